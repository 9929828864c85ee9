"""``setBurnRules`` (admin): a new version of a partner's burn rules, from an instant on."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners import burn_rule_store, burn_terms, registry
from partners.burn_rules import checks
from partners.burn_rules.rule_sets import RuleSet

from ..auth import require_admin
from ..burn_limits import parse_money_field
from ..context import Context, Info
from ..types.burn_rules import BurnRuleSet
from ..types.common import MoneyInput, UserError
from ..types.partners import Partner
from .common import partner_price


@strawberry.input(
    description="The whole of the new version: a limit left out is no limit (the defaults)."
)
class SetBurnRulesInput:
    partner_code: str
    effective_from: datetime | None = strawberry.field(
        default=None,
        description="When the version takes effect: now (the default) or later, at most 5"
        " minutes ago (clock skew) and after the partner's latest burn.",
    )
    accepts_redemption: bool = strawberry.field(
        default=True,
        description="False: the partner accepts no points as payment (then no other limit).",
    )
    point_value: MoneyInput | None = strawberry.field(
        default=None,
        description="Money a point pays of a basket (up to 6 decimals); absent: the partner's"
        " redemption value in force at each burn.",
    )
    max_basket_share: str | None = strawberry.field(
        default=None,
        description='The largest share of a basket points may pay, a fraction ("0.2": at most'
        " 20%), above 0 and at most 1; absent: the whole basket.",
    )
    minimum_basket: MoneyInput | None = strawberry.field(
        default=None, description="The least a basket must cost for points to pay any of it."
    )
    minimum_points: int | None = strawberry.field(
        default=None, description="The fewest points one burn may use."
    )
    idempotency_key: str


@strawberry.type
class SetBurnRulesPayload:
    burn_rules: BurnRuleSet | None = strawberry.field(description="The version added.")
    partner: Partner | None
    user_errors: list[UserError]


async def _add(ctx: Context, data: SetBurnRulesInput) -> tuple[RuleSet, registry.Partner]:
    point_value = None
    if data.point_value is not None:
        point_value = partner_price(ctx, data.point_value, "pointValue")
    terms = checks.terms(
        accepts_redemption=data.accepts_redemption,
        point_value=point_value,
        max_basket_share=data.max_basket_share,
        minimum_basket=parse_money_field(ctx, data.minimum_basket, "minimumBasket"),
        minimum_points=data.minimum_points,
    )
    principal = ctx.principal
    async with transaction(ctx.pool) as conn:
        added = await burn_rule_store.add_version(
            conn,
            code=data.partner_code,
            effective_from=data.effective_from,
            terms=terms,
            currency=ctx.settings.currency,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
        partner = await registry.get_partner(conn, partner_id=added.partner_id)
    burn_terms.CACHE.forget(added.partner_id)
    return added, partner


async def set_burn_rules(info: Info, input: SetBurnRulesInput) -> SetBurnRulesPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        added, partner = await _add(ctx, input)
    except ExchangeError as error:
        return SetBurnRulesPayload(burn_rules=None, partner=None, user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return SetBurnRulesPayload(
        burn_rules=BurnRuleSet.of(added, ctx.settings.currency),
        partner=Partner.of(partner),
        user_errors=[],
    )
