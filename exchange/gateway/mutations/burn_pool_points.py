"""``burnPoolPoints`` (partner keys): spend points of a pool at the till for one of its
spenders (a member the partner was shown), within the spender's limits and the partner's burn
rules."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.money import check_points
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome
from partners.burn_rules import record
from partners.pools import spending

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
from .pools_common import pool_id_of


@strawberry.input
class BurnPoolPointsInput:
    pool_id: strawberry.ID
    member_id: strawberry.ID = strawberry.field(description="The spender, at the till.")
    points: int
    order_id: str | None = None
    basket_amount: MoneyInput | None = strawberry.field(
        default=None, description=BASKET_DESCRIPTION
    )
    idempotency_key: str


@strawberry.type
class BurnPoolPointsPayload(OutcomePayload):
    transaction = strawberry.field(
        resolver=resolve_transaction, description="The BURN, on the pool's account."
    )
    pool_account = strawberry.field(
        resolver=resolve_member, description="The pool's account after the burn."
    )


async def _burn(ctx: Context, partner_id: int, data: BurnPoolPointsInput) -> Outcome:
    pool_id = pool_id_of(data.pool_id)
    spender = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    points = check_points(data.points)
    order_id = check_order_id(data.order_id)
    basket = parse_basket(ctx, data.basket_amount)
    body: dict[str, object] = {
        "poolId": pool_id,
        "memberId": spender,
        "points": points,
        "orderId": order_id,
    }
    if basket is not None:
        body["basketAmount"] = basket
    request = ledger_request(ctx, data.idempotency_key, spending.OPERATION, body)
    now = clock.now()
    limits = await limits_now(ctx, partner_id, basket, now)
    if (done := await check_limits(ctx, request, limits, points)) is not None:
        return done
    async with transaction(ctx.pool) as conn:
        return await spending.spend(
            conn,
            request,
            partner_id=partner_id,
            pool_id=pool_id,
            spender_id=spender,
            points=points,
            order_id=order_id,
            now=now,
            details=record.details(limits),
        )


async def burn_pool_points(info: Info, input: BurnPoolPointsInput) -> BurnPoolPointsPayload:
    return await run_partner_mutation(
        info, BurnPoolPointsPayload, lambda ctx, partner_id: _burn(ctx, partner_id, input)
    )
