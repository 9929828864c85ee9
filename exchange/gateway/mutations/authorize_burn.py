"""``authorizeBurn``: reserve points for a later capture (a hold)."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput
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
    resolve_hold,
    resolve_member,
    run_partner_mutation,
)


@strawberry.input
class AuthorizeBurnInput:
    member_id: strawberry.ID
    points: int
    order_id: str | None = None
    ttl_seconds: int | None = strawberry.field(
        default=None,
        description="How long the hold lasts (default and maximum: program"
        " settings, 900 seconds and 7 days unless configured).",
    )
    basket_amount: MoneyInput | None = strawberry.field(
        default=None,
        description=BASKET_DESCRIPTION + " The capture burns under the limits of the hold.",
    )
    idempotency_key: str


@strawberry.type
class AuthorizeBurnPayload(OutcomePayload):
    hold = strawberry.field(resolver=resolve_hold, description="The AUTHORIZED hold.")
    member = strawberry.field(resolver=resolve_member, description="The member after the hold.")


def _ttl(ctx: Context, ttl_seconds: int | None) -> timedelta:
    settings = ctx.settings
    seconds = settings.hold_default_ttl_seconds if ttl_seconds is None else ttl_seconds
    if not 0 < seconds <= settings.hold_max_ttl_seconds:
        raise InvalidInput(
            f"ttlSeconds must be between 1 and {settings.hold_max_ttl_seconds}",
            field=["ttlSeconds"],
        )
    return timedelta(seconds=seconds)


async def _authorize(ctx: Context, partner_id: int, data: AuthorizeBurnInput) -> Outcome:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    points = check_points(data.points)
    ttl = _ttl(ctx, data.ttl_seconds)
    order_id = check_order_id(data.order_id)
    basket = parse_basket(ctx, data.basket_amount)
    body: dict[str, object] = {
        "memberId": member_id,
        "points": points,
        "orderId": order_id,
        "ttlSeconds": data.ttl_seconds,
    }
    if basket is not None:
        body["basketAmount"] = basket
    request = ledger_request(ctx, data.idempotency_key, "authorizeBurn", body)
    now = clock.now()
    limits = await limits_now(ctx, partner_id, basket, now)
    if (done := await check_limits(ctx, request, limits, points)) is not None:
        return done
    async with transaction(ctx.pool) as conn:
        return await burning.authorize(
            conn,
            request,
            member_id=member_id,
            partner_id=partner_id,
            points=points,
            order_id=order_id,
            ttl=ttl,
            now=now,
            details=record.details(limits),
        )


async def authorize_burn(info: Info, input: AuthorizeBurnInput) -> AuthorizeBurnPayload:
    return await run_partner_mutation(
        info, AuthorizeBurnPayload, lambda ctx, partner_id: _authorize(ctx, partner_id, input)
    )
