"""``voidBurn``: release a hold without spending anything."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.ledger import burning
from exchange.ledger.errors import HoldExpired, HoldNotFound
from exchange.ledger.outcome import Outcome

from ..context import Context, Info
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    resolve_hold,
    resolve_member,
    run_partner_mutation,
)


@strawberry.input
class VoidBurnInput:
    hold_id: strawberry.ID
    idempotency_key: str


@strawberry.type
class VoidBurnPayload(OutcomePayload):
    hold = strawberry.field(resolver=resolve_hold, description="The VOIDED hold.")
    member = strawberry.field(resolver=resolve_member, description="The member after the void.")


async def _void(ctx: Context, partner_id: int, data: VoidBurnInput) -> Outcome:
    hold_id = decode_id(data.hold_id, "Hold", HoldNotFound, "holdId")
    request = ledger_request(ctx, data.idempotency_key, "voidBurn", {"holdId": hold_id})
    now = clock.now()
    try:
        async with transaction(ctx.pool) as conn:
            return await burning.void(
                conn, request, hold_id=hold_id, partner_id=partner_id, now=now
            )
    except HoldExpired:
        await burning.release_hold_if_expired(ctx.pool, hold_id, now=now)
        raise


async def void_burn(info: Info, input: VoidBurnInput) -> VoidBurnPayload:
    return await run_partner_mutation(
        info, VoidBurnPayload, lambda ctx, partner_id: _void(ctx, partner_id, input)
    )
