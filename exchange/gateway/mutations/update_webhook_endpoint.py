"""``updateWebhookEndpoint``: another URL or event types, or a disabled endpoint enabled."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from partners.webhooks import endpoints

from ..context import Context, Info
from ..types.common import UserError
from ..types.webhooks import WebhookEndpoint
from .webhooks_common import endpoint_id, manager_scope, policy


@strawberry.input
class UpdateWebhookEndpointInput:
    id: strawberry.ID
    url: str | None = strawberry.field(default=None, description="Checked as at creation.")
    event_types: list[str] | None = strawberry.field(default=None)
    enabled: bool | None = strawberry.field(
        default=None,
        description="true enables a DISABLED endpoint again (events of the time it was"
        " disabled are not sent; replay its dead letters with replayDeadLetters).",
    )


@strawberry.type
class UpdateWebhookEndpointPayload:
    endpoint: WebhookEndpoint | None
    user_errors: list[UserError]


async def _update(ctx: Context, data: UpdateWebhookEndpointInput) -> WebhookEndpoint:
    scope = manager_scope(ctx.principal)
    endpoint = await endpoints.update(
        ctx.pool,
        policy(ctx),
        endpoint_id=endpoint_id(data.id),
        scope=scope,
        change=endpoints.Change(url=data.url, event_types=data.event_types, enabled=data.enabled),
        now=clock.now(),
    )
    return WebhookEndpoint.of(endpoint)


async def update_webhook_endpoint(
    info: Info, input: UpdateWebhookEndpointInput
) -> UpdateWebhookEndpointPayload:
    try:
        return UpdateWebhookEndpointPayload(
            endpoint=await _update(info.context, input), user_errors=[]
        )
    except ExchangeError as error:
        return UpdateWebhookEndpointPayload(endpoint=None, user_errors=[UserError.of(error)])
