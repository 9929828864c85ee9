"""``setEarnRules`` (admin): a partner's next earn rule version, from an instant on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.kit.money import parse_money
from partners import earn_rule_cache, earn_rule_versions, registry
from partners.earn_rules import checks

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.earn_rules import EarnRuleSet
from ..types.partners import Partner


@strawberry.input(description="A category's own earn rate.")
class CategoryRateInput:
    category: str = strawberry.field(description="1 to 64 characters; matched whatever the case.")
    rate: str = strawberry.field(description='Points per whole unit of money, e.g. "0.3".')


@strawberry.input
class SetEarnRulesInput:
    partner_code: str
    effective_from: datetime | None = strawberry.field(
        default=None,
        description="When the version takes effect (default: now): not more than 5 minutes"
        " ago (clock skew), and after the partner's latest earn.",
    )
    base_rate: str = strawberry.field(
        description='Points per whole unit of money for lines in no rated category, e.g. "0.1"'
        " (0 to 1000, at most 6 decimals)."
    )
    category_rates: list[CategoryRateInput] = strawberry.field(
        default_factory=list, description="Rates of their own for some categories."
    )
    excluded_categories: list[str] = strawberry.field(
        default_factory=list, description="Categories that earn nothing (gift cards, say)."
    )
    minimum_purchase: MoneyInput | None = strawberry.field(
        default=None, description="The least a purchase must cost to earn anything."
    )
    cap_per_transaction: int | None = strawberry.field(
        default=None, description="The most points one purchase earns."
    )
    cap_per_member_per_day: int | None = strawberry.field(
        default=None,
        description="The most points one member earns at the partner in one UTC day.",
    )
    idempotency_key: str


@strawberry.type
class SetEarnRulesPayload:
    earn_rule_set: EarnRuleSet | None = strawberry.field(description="The version added.")
    partner: Partner | None
    user_errors: list[UserError]


def _minimum(ctx: Context, money: MoneyInput | None) -> Decimal | None:
    if money is None:
        return None
    currency = ctx.settings.currency
    try:
        return parse_money(money.amount, money.currency, program_currency=currency).amount
    except ExchangeError as error:  # said of `amount`: here it is the minimum's
        error.field = ["minimumPurchase", *(error.field or [])[1:]]
        raise


def _new_version(ctx: Context, data: SetEarnRulesInput) -> earn_rule_versions.NewVersion:
    terms = checks.terms(
        base_rate=data.base_rate,
        category_rates=[(rate.category, rate.rate) for rate in data.category_rates],
        excluded_categories=data.excluded_categories,
        minimum_purchase=_minimum(ctx, data.minimum_purchase),
        cap_per_transaction=data.cap_per_transaction,
        cap_per_member_per_day=data.cap_per_member_per_day,
    )
    return earn_rule_versions.NewVersion(
        partner_code=data.partner_code,
        effective_from=data.effective_from,
        terms=terms,
    )


async def _set(ctx: Context, data: SetEarnRulesInput) -> SetEarnRulesPayload:
    principal = ctx.principal
    new = _new_version(ctx, data)
    async with transaction(ctx.pool) as conn:
        added = await earn_rule_versions.add_version(
            conn,
            new,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
        partner = await registry.get_partner(conn, partner_id=added.partner_id)
    earn_rule_cache.forget(added.partner_id)
    ctx.forget_reads()
    return SetEarnRulesPayload(
        earn_rule_set=EarnRuleSet.of(added, ctx.settings.currency),
        partner=Partner.of(partner),
        user_errors=[],
    )


async def set_earn_rules(info: Info, input: SetEarnRulesInput) -> SetEarnRulesPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetEarnRulesPayload(
            earn_rule_set=None, partner=None, user_errors=[UserError.of(error)]
        )
