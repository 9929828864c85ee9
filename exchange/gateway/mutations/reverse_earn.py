"""``reverseEarn``: take back the points of an earn (a returned purchase), whole or in part."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.money import parse_money
from exchange.ledger import earning
from exchange.ledger.errors import TransactionNotFound
from exchange.ledger.outcome import Outcome

from ..context import Context, Info
from ..types.common import MoneyInput
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)


@strawberry.input
class ReverseEarnInput:
    transaction_id: strawberry.ID = strawberry.field(description="The EARN to reverse.")
    amount: MoneyInput | None = strawberry.field(
        default=None, description="The returned amount; absent: all that is left of the purchase."
    )
    idempotency_key: str


@strawberry.type
class ReverseEarnPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The EARN_REVERSAL.")
    member = strawberry.field(
        resolver=resolve_member,
        description="The member after the reversal (a debt if the points were already spent).",
    )


async def _reverse(ctx: Context, partner_id: int, data: ReverseEarnInput) -> Outcome:
    entry_id = decode_id(data.transaction_id, "Transaction", TransactionNotFound, "transactionId")
    money = None
    if data.amount is not None:
        money = parse_money(
            data.amount.amount, data.amount.currency, program_currency=ctx.settings.currency
        )
    request = ledger_request(
        ctx,
        data.idempotency_key,
        "reverseEarn",
        {
            "transactionId": entry_id,
            "amount": None if money is None else money.as_json(),
        },
    )
    async with transaction(ctx.pool) as conn:
        return await earning.reverse_earn(
            conn,
            request,
            partner_id=partner_id,
            transaction_id=entry_id,
            amount=None if money is None else money.amount,
            now=clock.now(),
        )


async def reverse_earn(info: Info, input: ReverseEarnInput) -> ReverseEarnPayload:
    return await run_partner_mutation(
        info, ReverseEarnPayload, lambda ctx, partner_id: _reverse(ctx, partner_id, input)
    )
