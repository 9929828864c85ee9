"""``refundBurn``: give burned points back into the lots they came from."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.ledger import burning
from exchange.ledger.errors import TransactionNotFound
from exchange.ledger.outcome import Outcome
from partners.rewards import redemption

from ..context import Context, Info
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    points_or_all,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)


@strawberry.input
class RefundBurnInput:
    transaction_id: strawberry.ID = strawberry.field(description="The BURN to refund.")
    points: int | None = strawberry.field(
        default=None, description="Points to give back; absent: all that is left of the burn."
    )
    idempotency_key: str


@strawberry.type
class RefundBurnPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The BURN_REFUND.")
    member = strawberry.field(resolver=resolve_member, description="The member after the refund.")


async def _refund(ctx: Context, partner_id: int, data: RefundBurnInput) -> Outcome:
    entry_id = decode_id(data.transaction_id, "Transaction", TransactionNotFound, "transactionId")
    points = points_or_all(data.points)
    request = ledger_request(
        ctx, data.idempotency_key, "refundBurn", {"transactionId": entry_id, "points": points}
    )
    now = clock.now()
    async with transaction(ctx.pool) as conn:
        outcome = await burning.refund(
            conn,
            request,
            partner_id=partner_id,
            transaction_id=entry_id,
            points=points,
            now=now,
        )
        await redemption.give_back(conn, entry_id, at=now)  # a reward's unit, once all is back
        return outcome


async def refund_burn(info: Info, input: RefundBurnInput) -> RefundBurnPayload:
    return await run_partner_mutation(
        info, RefundBurnPayload, lambda ctx, partner_id: _refund(ctx, partner_id, input)
    )
