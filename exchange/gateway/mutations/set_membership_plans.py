"""``setMembershipPlans`` (admin): a new version of the paid membership plans on sale, in
force from ``effectiveFrom`` (now or later) on; plans it leaves out are no longer sold."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.tiers import checks, setting
from partners.tiers.plans import Plan

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.inputs import parse_amount
from ..types.scalars import Duration
from ..types.tiers import MembershipCatalogue


@strawberry.input
class MembershipPlanInput:
    code: str = strawberry.field(description="2 to 32 letters, digits or _ (upper case).")
    name: str = strawberry.field(description='What members see, e.g. "Gold for 12 months".')
    tier: str | None = strawberry.field(
        default=None, description="A tier of the ladder in force it grants; or give multiplier."
    )
    multiplier: str | None = strawberry.field(
        default=None, description="An earn multiplier it grants (every line); or give tier."
    )
    term: Duration = strawberry.field(description="Whole days, such as P365D.")
    price: MoneyInput = strawberry.field(
        description="What the member pays; the selling partner owes it to the operator."
    )


@strawberry.input
class SetMembershipPlansInput:
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the version starts (default: now; never in the past)."
    )
    plans: list[MembershipPlanInput]
    idempotency_key: str


@strawberry.type
class SetMembershipPlansPayload:
    catalogue: MembershipCatalogue | None
    user_errors: list[UserError]


def _plan(ctx: Context, index: int, given: MembershipPlanInput) -> Plan:
    where = ["plans", str(index)]
    try:
        price = parse_amount(given.price, ctx.settings.currency)
    except ExchangeError as error:
        error.field = [*where, "price", *(error.field or [])[1:]]
        raise
    multiplier = given.multiplier
    return Plan(
        code=given.code,
        name=given.name,
        term_days=checks.days(given.term, [*where, "term"]),
        price=price.amount,
        currency=price.currency,
        tier=given.tier,
        multiplier=None
        if multiplier is None
        else checks.multiplier(multiplier, [*where, "multiplier"]),
    )


async def _set(ctx: Context, data: SetMembershipPlansInput) -> SetMembershipPlansPayload:
    principal = ctx.principal
    plans = [_plan(ctx, index, plan) for index, plan in enumerate(data.plans)]
    async with transaction(ctx.pool) as conn:
        catalogue = await setting.set_plans(
            conn,
            plans,
            effective_from=data.effective_from,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
    return SetMembershipPlansPayload(catalogue=MembershipCatalogue.of(catalogue), user_errors=[])


async def set_membership_plans(
    info: Info, input: SetMembershipPlansInput
) -> SetMembershipPlansPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetMembershipPlansPayload(catalogue=None, user_errors=[UserError.of(error)])
