"""``captureBurn``: burn up to the held points; the rest of the hold goes back to the member."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.ledger import burning
from exchange.ledger.errors import HoldExpired, HoldNotFound
from exchange.ledger.outcome import Outcome

from ..context import Context, Info
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    points_or_all,
    resolve_hold,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)


@strawberry.input
class CaptureBurnInput:
    hold_id: strawberry.ID
    points: int | None = strawberry.field(
        default=None,
        description="Points to burn, at most the held points; absent: all of them."
        " The rest is released.",
    )
    idempotency_key: str


@strawberry.type
class CaptureBurnPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The BURN.")
    hold = strawberry.field(resolver=resolve_hold, description="The CAPTURED hold.")
    member = strawberry.field(resolver=resolve_member, description="The member after the capture.")


async def _capture(ctx: Context, partner_id: int, data: CaptureBurnInput) -> Outcome:
    hold_id = decode_id(data.hold_id, "Hold", HoldNotFound, "holdId")
    points = points_or_all(data.points)
    request = ledger_request(
        ctx, data.idempotency_key, "captureBurn", {"holdId": hold_id, "points": points}
    )
    now = clock.now()
    try:
        async with connection(ctx.pool) as conn:
            return await burning.capture(
                conn,
                request,
                hold_id=hold_id,
                partner_id=partner_id,
                points=points,
                now=now,
            )
    except HoldExpired:
        await burning.release_hold_if_expired(ctx.pool, hold_id, now=now)
        raise


async def capture_burn(info: Info, input: CaptureBurnInput) -> CaptureBurnPayload:
    return await run_partner_mutation(
        info, CaptureBurnPayload, lambda ctx, partner_id: _capture(ctx, partner_id, input)
    )
