"""``sendTestWebhook``: a ``webhook.test`` event to one endpoint, signed like any other."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from partners.webhooks import replay

from ..context import Info
from ..types.common import UserError
from ..types.webhooks import WebhookEvent
from .webhooks_common import endpoint_id, manager_scope


@strawberry.input
class SendTestWebhookInput:
    endpoint_id: strawberry.ID


@strawberry.type
class SendTestWebhookPayload:
    event: WebhookEvent | None = strawberry.field(
        description="The test event; its delivery goes out with the next worker round."
    )
    user_errors: list[UserError]


async def send_test_webhook(info: Info, input: SendTestWebhookInput) -> SendTestWebhookPayload:
    ctx = info.context
    try:
        scope = manager_scope(ctx.principal)
        outbox_id = await replay.send_test(
            ctx.pool,
            endpoint_id=endpoint_id(input.endpoint_id, "endpointId"),
            scope=scope,
            now=clock.now(),
        )
    except ExchangeError as error:
        return SendTestWebhookPayload(event=None, user_errors=[UserError.of(error)])
    return SendTestWebhookPayload(event=await WebhookEvent.load(info, outbox_id), user_errors=[])
