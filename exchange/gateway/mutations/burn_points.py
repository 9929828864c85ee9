"""``burnPoints``: spend points in one step (authorize and capture)."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.kit.money import check_points
from exchange.ledger import burning
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome
from partners.burn_rules import record

from ..burn_limits import BASKET_DESCRIPTION, check_limits, limits_now, parse_basket
from ..context import Context, Info
from ..types.common import MoneyInput
from .common import (
    OutcomePayload,
    check_order_id,
    decode_id,
    ledger_request,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)


@strawberry.input
class BurnPointsInput:
    member_id: strawberry.ID
    points: int
    order_id: str | None = None
    basket_amount: MoneyInput | None = strawberry.field(
        default=None, description=BASKET_DESCRIPTION
    )
    idempotency_key: str


@strawberry.type
class BurnPointsPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The BURN.")
    member = strawberry.field(resolver=resolve_member, description="The member after the burn.")


async def _burn(ctx: Context, partner_id: int, data: BurnPointsInput) -> Outcome:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    points = check_points(data.points)
    order_id = check_order_id(data.order_id)
    basket = parse_basket(ctx, data.basket_amount)
    body: dict[str, object] = {"memberId": member_id, "points": points, "orderId": order_id}
    if basket is not None:
        body["basketAmount"] = basket
    request = ledger_request(ctx, data.idempotency_key, "burnPoints", body)
    now = clock.now()
    limits = await limits_now(ctx, partner_id, basket, now)
    if (done := await check_limits(ctx, request, limits, points)) is not None:
        return done
    async with connection(ctx.pool) as conn:
        return await burning.burn(
            conn,
            request,
            member_id=member_id,
            partner_id=partner_id,
            points=points,
            order_id=order_id,
            now=now,
            details=record.details(limits),
        )


async def burn_points(info: Info, input: BurnPointsInput) -> BurnPointsPayload:
    return await run_partner_mutation(
        info, BurnPointsPayload, lambda ctx, partner_id: _burn(ctx, partner_id, input)
    )
