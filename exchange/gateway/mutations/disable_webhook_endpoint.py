"""``disableWebhookEndpoint``: no more deliveries; those pending become dead letters."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from partners.webhooks import endpoints

from ..context import Context, Info
from ..types.common import UserError
from ..types.webhooks import WebhookEndpoint
from .webhooks_common import endpoint_id, manager_scope

MAX_REASON = 500


@strawberry.input
class DisableWebhookEndpointInput:
    id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description="For the record.")


@strawberry.type
class DisableWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    user_errors: list[UserError]


async def _disable(ctx: Context, data: DisableWebhookEndpointInput) -> WebhookEndpoint:
    scope = manager_scope(ctx.principal)
    reason = data.reason or f"disabled by {ctx.principal.role}"
    if not 0 < len(reason) <= MAX_REASON or not reason.isprintable():
        raise InvalidInput(
            f"reason must be 1 to {MAX_REASON} printable characters", field=["reason"]
        )
    async with transaction(ctx.pool) as conn:
        endpoint = await endpoints.disable(
            conn, endpoint_id=endpoint_id(data.id), scope=scope, reason=reason, now=clock.now()
        )
    return WebhookEndpoint.of(endpoint)


async def disable_webhook_endpoint(
    info: Info, input: DisableWebhookEndpointInput
) -> DisableWebhookEndpointPayload:
    try:
        return DisableWebhookEndpointPayload(
            endpoint=await _disable(info.context, input), user_errors=[]
        )
    except ExchangeError as error:
        return DisableWebhookEndpointPayload(endpoint=None, user_errors=[UserError.of(error)])
