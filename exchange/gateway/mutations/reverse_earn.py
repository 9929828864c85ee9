"""``reverseEarn``: take back the points of an earn (a returned purchase), whole or in part."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.errors import TransactionNotFound
from exchange.ledger.outcome import Outcome
from partners import returns, rules

from ..context import Context, Info
from ..types.common import MoneyInput
from ..types.inputs import LineInput, parse_amount, parse_lines
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
        default=None,
        description="The returned amount, taken back in proportion; absent (and no lines): all"
        " that is left of the purchase.",
    )
    lines: list[LineInput] | None = strawberry.field(
        default=None,
        description="The returned basket lines instead of an amount: each takes back its points"
        " at the rate the earn used for its category (an excluded line takes nothing back).",
    )
    idempotency_key: str


@strawberry.type
class ReverseEarnPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The EARN_REVERSAL.")
    member = strawberry.field(
        resolver=resolve_member,
        description="The member after the reversal (a debt if the points were already spent).",
    )


def _body(entry_id: int, money: Money | None, lines: list[rules.Line] | None) -> dict[str, object]:
    body: dict[str, object] = {
        "transactionId": entry_id,
        "amount": None if money is None else money.as_json(),
    }
    if lines is not None:  # only then: a key used before lines existed keeps its hash
        body["lines"] = [[line.category, format(line.amount, "f")] for line in lines]
    return body


async def _reverse(ctx: Context, partner_id: int, data: ReverseEarnInput) -> Outcome:
    entry_id = decode_id(data.transaction_id, "Transaction", TransactionNotFound, "transactionId")
    currency = ctx.settings.currency
    money = None if data.amount is None else parse_amount(data.amount, currency)
    lines = None
    if data.lines is not None:
        if money is not None:
            raise InvalidInput("give an amount or lines, not both", field=["lines"])
        lines = parse_lines(data.lines, currency)
        if not lines:
            raise InvalidInput("give at least one line", field=["lines"])
    request = ledger_request(
        ctx, data.idempotency_key, "reverseEarn", _body(entry_id, money, lines)
    )
    async with transaction(ctx.pool) as conn:
        return await earning.reverse_earn(
            conn,
            request,
            partner_id=partner_id,
            transaction_id=entry_id,
            amount=None if money is None else money.amount,
            now=clock.now(),
            priced=None if lines is None else returns.lines_pricer(lines),
            linked=returns.campaign_points,
        )


async def reverse_earn(info: Info, input: ReverseEarnInput) -> ReverseEarnPayload:
    return await run_partner_mutation(
        info, ReverseEarnPayload, lambda ctx, partner_id: _reverse(ctx, partner_id, input)
    )
