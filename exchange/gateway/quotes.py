"""``earnQuote`` and ``burnQuote``: the numbers of an earn or burn, without doing it."""

from __future__ import annotations

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id
from exchange.kit.money import round_to_minor
from exchange.ledger import queries
from exchange.ledger.errors import MemberNotFound
from partners import campaign_cache, campaign_earns, purchases, registry
from partners.burn_rules import evaluation, explain

from .auth import require_partner
from .burn_limits import limits_now
from .context import Info
from .types.common import Money, MoneyInput
from .types.inputs import LineInput, parse_amount, parse_lines
from .types.quotes import BurnLimit, BurnQuote, BurnQuoteStep, EarnQuote


def _member_id(global_id: str) -> int:
    try:
        return expect_global_id(global_id, "Member", error=MemberNotFound)
    except NotFound:
        raise MemberNotFound("no member with this id", field=["memberId"]) from None


async def earn_quote(
    info: Info,
    member_id: str,
    amount: MoneyInput,
    lines: list[LineInput] | None,
    promo_code: str | None = None,
) -> EarnQuote:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    currency = ctx.settings.currency
    money, basket = parse_amount(amount, currency), parse_lines(lines, currency)
    now = clock.now()
    db_id = _member_id(member_id)
    async with transaction(ctx.pool) as conn:
        found = await queries.member_summaries(conn, [db_id], partner_id=partner_id, now=now)
        if not found:
            raise MemberNotFound("no member with this id", field=["memberId"])
        await registry.issuer_terms(conn, partner_id, now)  # suspended, or no price: as an earn
        calculation = await purchases.quote(
            conn, partner_id=partner_id, member_id=db_id, money=money, lines=basket, at=now
        )
        offered = await campaign_earns.quote(
            conn,
            await campaign_cache.offer(conn, partner_id),
            partner_id=partner_id,
            member_id=db_id,
            calculation=calculation,
            at=now,
            promo_code=promo_code,
        )
    return EarnQuote.of(calculation, offered)


async def burn_quote(info: Info, member_id: str, amount: MoneyInput) -> BurnQuote:
    """The most points a burnPoints with this basket could use now: the same limits, read and
    evaluated as the burn reads and evaluates them."""
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
        await registry.redeemer_terms(conn, partner_id, now)  # refuses a suspended partner
    limits = await limits_now(ctx, partner_id, basket, now)
    available = found[db_id].available
    most = evaluation.usable(limits, available)
    return BurnQuote(
        max_points=most.points,
        value=Money.of(round_to_minor(limits.value(most.points), currency), currency),
        point_value=Money.of(limits.point_value, currency),
        available_balance=available,
        bound_by=BurnLimit(most.bound_by.value),
        rule_version=limits.version,
        steps=[BurnQuoteStep.of(step) for step in explain.steps(limits, most, available)],
    )
