"""``earnPoints``: credit a member for a purchase at the partner's rate in force."""

from __future__ import annotations

from datetime import datetime, timedelta

import strawberry

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.kit.errors import InvalidInput
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome
from partners.purchases import earn_purchase, purchase_body

from ..context import Context, Info
from ..types.common import MoneyInput
from ..types.inputs import LineInput, parse_amount, parse_lines
from .common import (
    OutcomePayload,
    check_order_id,
    decode_id,
    ledger_request,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)

CLOCK_SKEW = timedelta(minutes=5)


@strawberry.input
class EarnPointsInput:
    member_id: strawberry.ID
    order_id: str | None = None
    amount: MoneyInput = strawberry.field(description="What the member paid, in money.")
    lines: list[LineInput] | None = strawberry.field(
        default=None, description="Basket lines; they may not add up to more than `amount`."
    )
    occurred_at: datetime | None = strawberry.field(
        default=None,
        description="Time of the purchase (default: now); the partner's rate and"
        " prices in force then apply.",
    )
    promo_code: str | None = strawberry.field(
        default=None,
        description="A promo code the member presents: its campaign applies, or the earn is"
        " refused with why (PROMO_CODE_*).",
    )
    idempotency_key: str


@strawberry.type
class EarnPointsPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The EARN.")
    member = strawberry.field(resolver=resolve_member, description="The member after the earn.")


def _occurred_at(data: EarnPointsInput, now: datetime) -> datetime:
    if data.occurred_at is None:
        return now
    if data.occurred_at > now + CLOCK_SKEW:
        raise InvalidInput("occurredAt is in the future", field=["occurredAt"])
    return data.occurred_at


async def _earn(ctx: Context, partner_id: int, data: EarnPointsInput) -> Outcome:
    now = clock.now()
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    money = parse_amount(data.amount, ctx.settings.currency)
    lines = parse_lines(data.lines, ctx.settings.currency)
    occurred_at = _occurred_at(data, now)
    order_id = check_order_id(data.order_id)
    request = ledger_request(
        ctx,
        data.idempotency_key,
        "earnPoints",
        purchase_body(member_id, data.order_id, money, lines, data.occurred_at, data.promo_code),
    )
    async with connection(ctx.pool) as conn:
        return await earn_purchase(
            conn,
            request,
            partner_id=partner_id,
            member_id=member_id,
            money=money,
            lines=lines,
            order_id=order_id,
            occurred_at=occurred_at,
            now=now,
            promo_code=data.promo_code,
        )


async def earn_points(info: Info, input: EarnPointsInput) -> EarnPointsPayload:
    return await run_partner_mutation(
        info, EarnPointsPayload, lambda ctx, partner_id: _earn(ctx, partner_id, input)
    )
