"""``earnQuote`` and ``burnQuote``: the numbers of an earn or burn, without doing it."""

from __future__ import annotations

from decimal import ROUND_FLOOR

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id
from exchange.kit.money import round_to_minor
from exchange.ledger import queries
from exchange.ledger.errors import MemberNotFound
from partners import registry, rules

from .auth import require_partner
from .context import Info
from .types.common import Money, MoneyInput
from .types.inputs import LineInput, parse_amount, parse_lines
from .types.quotes import BurnQuote, EarnQuote, EarnQuoteLine


def _member_id(global_id: str) -> int:
    try:
        return expect_global_id(global_id, "Member", error=MemberNotFound)
    except NotFound:
        raise MemberNotFound("no member with this id", field=["memberId"]) from None


async def earn_quote(
    info: Info, member_id: str, amount: MoneyInput, lines: list[LineInput] | None
) -> EarnQuote:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    currency = ctx.settings.currency
    money, basket = parse_amount(amount, currency), parse_lines(lines, currency)
    now = clock.now()
    async with transaction(ctx.pool) as conn:
        found = await queries.member_summaries(
            conn, [_member_id(member_id)], partner_id=partner_id, now=now
        )
        if not found:
            raise MemberNotFound("no member with this id", field=["memberId"])
        terms = await registry.issuer_terms(conn, partner_id, now)
    earned = rules.earn_points(money.amount, basket, terms.earn_rate)
    return EarnQuote(
        points=sum(line.points for line in earned),
        rate=format(terms.earn_rate.normalize(), "f"),
        lines=[
            EarnQuoteLine(
                category=line.category, amount=Money.of(line.amount, currency), points=line.points
            )
            for line in earned
        ],
    )


async def burn_quote(info: Info, member_id: str, amount: MoneyInput) -> BurnQuote:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    currency = ctx.settings.currency
    basket = parse_amount(amount, currency).amount
    now = clock.now()
    db_id = _member_id(member_id)
    async with transaction(ctx.pool) as conn:
        found = await queries.member_summaries(conn, [db_id], partner_id=partner_id, now=now)
        if not found:
            raise MemberNotFound("no member with this id", field=["memberId"])
        terms = await registry.redeemer_terms(conn, partner_id, now)
    available = found[db_id].available
    per_point = terms.redemption_value
    points = available
    if per_point > 0:
        points = min(available, int((basket / per_point).to_integral_value(ROUND_FLOOR)))
    return BurnQuote(
        max_points=points,
        value=Money.of(round_to_minor(points * per_point, currency), currency),
        point_value=Money.of(per_point, currency),
        available_balance=available,
    )
