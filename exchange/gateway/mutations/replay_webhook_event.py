"""``replayWebhookEvent``: send an event again, with the same ``webhook-id``."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from partners.webhooks import replay

from ..context import Info
from ..types.common import UserError
from ..types.webhooks import WebhookEvent
from .webhooks_common import endpoint_id, event_id, manager_scope


@strawberry.input
class ReplayWebhookEventInput:
    event_id: strawberry.ID = strawberry.field(description="A WebhookEvent's id.")
    endpoint_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Only to this endpoint (of the event's partner), even one it was not"
        " sent to; default: every active endpoint it was sent to.",
    )


@strawberry.type
class ReplayWebhookEventPayload:
    event: WebhookEvent | None
    replayed: int = strawberry.field(description="Deliveries due again now.")
    user_errors: list[UserError]


async def replay_webhook_event(
    info: Info, input: ReplayWebhookEventInput
) -> ReplayWebhookEventPayload:
    ctx = info.context
    try:
        scope = manager_scope(ctx.principal)
        outbox_id = event_id(input.event_id)
        target = None if input.endpoint_id is None else endpoint_id(input.endpoint_id, "endpointId")
        replayed = await replay.replay_event(
            ctx.pool, outbox_id=outbox_id, scope=scope, endpoint_id=target, now=clock.now()
        )
    except ExchangeError as error:
        return ReplayWebhookEventPayload(event=None, replayed=0, user_errors=[UserError.of(error)])
    event = await WebhookEvent.load(info, outbox_id)
    return ReplayWebhookEventPayload(event=event, replayed=replayed, user_errors=[])
