"""``createWebhookEndpoint``: where a partner wants its events; an HMAC secret shown once."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.kit.errors import ExchangeError, InvalidInput
from partners import registry
from partners.webhooks import endpoints

from ..context import Context, Info
from ..types.common import UserError
from ..types.webhooks import WebhookEndpoint, WebhookSigning
from .webhooks_common import box, manager_scope, policy


@strawberry.input
class CreateWebhookEndpointInput:
    url: str = strawberry.field(
        description="https (http only outside production); never a loopback, private,"
        " link-local or metadata address."
    )
    event_types: list[str] = strawberry.field(description="See webhookEventTypes.")
    signing: WebhookSigning = strawberry.field(
        default=WebhookSigning.ED25519,
        description="ED25519 (the exchange's keys, GET /.well-known/webhook-keys) or"
        " HMAC_SHA256 (a whsec_ secret of this endpoint).",
    )
    idempotency_key: str | None = strawberry.field(
        default=None,
        description="A repeat with it returns the same endpoint, without the secret.",
    )
    partner_code: str | None = strawberry.field(
        default=None, description="Admin keys: whose endpoint. Partner keys leave it out."
    )


@strawberry.type
class CreateWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    secret: str | None = strawberry.field(
        description="The whsec_ secret of an HMAC_SHA256 endpoint. Shown once: only its"
        " encrypted form is kept."
    )
    user_errors: list[UserError]


async def _partner_id(ctx: Context, scope: int | None, code: str | None) -> int:
    if scope is not None:
        if code is not None:
            raise InvalidInput("partnerCode is for admin keys", field=["partnerCode"])
        return scope
    if code is None:
        raise InvalidInput("admin keys name the partner (partnerCode)", field=["partnerCode"])
    async with connection(ctx.pool) as conn:
        return (await registry.get_partner(conn, code=code.strip().upper())).id


async def _create(ctx: Context, data: CreateWebhookEndpointInput) -> CreateWebhookEndpointPayload:
    partner_id = await _partner_id(ctx, manager_scope(ctx.principal), data.partner_code)
    endpoint, secret = await endpoints.create(
        ctx.pool,
        box(ctx),
        policy(ctx),
        partner_id=partner_id,
        new=endpoints.NewEndpoint(data.url, data.event_types, data.signing.value),
        now=clock.now(),
        caller=ctx.principal.caller,
        idempotency_key=data.idempotency_key,
    )
    return CreateWebhookEndpointPayload(
        endpoint=WebhookEndpoint.of(endpoint), secret=secret, user_errors=[]
    )


async def create_webhook_endpoint(
    info: Info, input: CreateWebhookEndpointInput
) -> CreateWebhookEndpointPayload:
    try:
        return await _create(info.context, input)
    except ExchangeError as error:
        return CreateWebhookEndpointPayload(
            endpoint=None, secret=None, user_errors=[UserError.of(error)]
        )
