"""``replayDeadLetters``: every dead delivery of an endpoint, due again now."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from partners.webhooks import replay

from ..context import Info
from ..types.common import UserError
from ..types.webhooks import WebhookEndpoint
from .webhooks_common import endpoint_id, manager_scope


@strawberry.input
class ReplayDeadLettersInput:
    endpoint_id: strawberry.ID


@strawberry.type
class ReplayDeadLettersPayload:
    endpoint: WebhookEndpoint | None
    replayed: int = strawberry.field(description="Dead deliveries due again now.")
    user_errors: list[UserError]


async def replay_dead_letters(
    info: Info, input: ReplayDeadLettersInput
) -> ReplayDeadLettersPayload:
    ctx = info.context
    try:
        scope = manager_scope(ctx.principal)
        target = endpoint_id(input.endpoint_id, "endpointId")
        replayed = await replay.replay_dead_letters(
            ctx.pool, endpoint_id=target, scope=scope, now=clock.now()
        )
    except ExchangeError as error:
        return ReplayDeadLettersPayload(
            endpoint=None, replayed=0, user_errors=[UserError.of(error)]
        )
    endpoint = await WebhookEndpoint.load(info, target)
    return ReplayDeadLettersPayload(endpoint=endpoint, replayed=replayed, user_errors=[])
