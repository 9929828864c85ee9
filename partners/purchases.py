"""A purchase earning points: the one path ``earnPoints``, ``earnQuote``, the bulk import, the
demo seed and the benchmark share, so the same input always hashes, prices and posts the same
way: the partner's earn rule version in force at the purchase's time, evaluated line by line
(``partners.earn_rules``) with the member's tier and membership multipliers
(``partners.tiers.earning``), its calculation and tier kept in the transaction's details; and
the campaigns running then (``partners.campaign_earns``), which ``ledger_earn`` grants within
their limits and posts beside the earn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.errors import CampaignsChanged, EarnRulesChanged, NoPriceInForce
from exchange.ledger.outcome import Outcome, Request
from partners import campaign_cache, campaign_earns, earn_rule_cache, earn_rule_versions, rules
from partners.campaigns.errors import PromoCodeNotFound
from partners.earn_rules import caps, record
from partners.earn_rules.evaluation import (
    Calculation,
    Multiplier,
    Purchase,
    evaluate,
    with_daily_cap,
)
from partners.earn_rules.rule_sets import RuleSet, in_force
from partners.tiers import earning as tiers
from partners.tiers.earning import EarnTier


def purchase_body(
    member_id: int,
    order_id: str | None,
    money: Money,
    lines: list[rules.Line],
    occurred_at: datetime | None,
    promo_code: str | None = None,
) -> dict[str, object]:
    """The input an earn's idempotency key is bound to (its request hash)."""
    body: dict[str, object] = {
        "memberId": member_id,
        "orderId": order_id,
        "amount": money.as_json(),
        "lines": [[line.category, format(line.amount, "f")] for line in lines],
        "occurredAt": occurred_at,
    }
    if promo_code is not None:  # only then: a key used before promo codes keeps its hash
        body["promoCode"] = promo_code.strip().upper()
    return body


def rule_set_at(versions: Sequence[RuleSet], at: datetime) -> RuleSet:
    found = in_force(versions, at)
    if found is None:
        raise NoPriceInForce(
            f"no earn rules were in force at {at.isoformat()}", field=["occurredAt"]
        )
    return found


def calculate(
    rule_set: RuleSet,
    money: Money,
    lines: Sequence[rules.Line],
    multipliers: Sequence[Multiplier] = (),
) -> Calculation:
    return evaluate(rule_set, Purchase(money.amount, money.currency, tuple(lines)), multipliers)


def day_cap(rule_set: RuleSet, occurred_at: datetime) -> earning.DayCap | None:
    """The version's cap per member per day, over the UTC day of the purchase."""
    limit = rule_set.terms.cap_per_member_per_day
    if limit is None:
        return None
    start, end = caps.day_bounds(occurred_at)
    return earning.DayCap(limit, start, end)


def earn_details(calculation: Calculation, tier: EarnTier = tiers.NONE) -> dict[str, Any]:
    """What the transaction keeps of how its points were computed (``earn_rules.record``),
    and the tier the member had (``tier``: name, version, source, multiplier)."""
    kept = record.details(calculation)
    if (used := tier.record()) is not None:
        kept["tier"] = used
    return kept


def staged_details(
    rule_set: RuleSet, calculation: Calculation, at: datetime, tier: EarnTier = tiers.NONE
) -> dict[str, Any]:
    """An imported line's details: as a single earn's, and the day cap for the import's SQL
    to apply (it replaces ``dailyCap`` with what the cap did, as the earn function does)."""
    kept = earn_details(calculation, tier)
    cap = day_cap(rule_set, at)
    if cap is not None:
        kept["dailyCap"] = {
            "limit": cap.limit,
            "dayStart": cap.start.isoformat(),
            "dayEnd": cap.end.isoformat(),
        }
    return kept


async def quote(
    conn: Conn,
    *,
    partner_id: int,
    member_id: int,
    money: Money,
    lines: Sequence[rules.Line],
    at: datetime,
) -> Calculation:
    """What an earn of this purchase would give at ``at``: the member's tier multipliers, the
    daily cap counted on the member's earns so far (a concurrent earn may still take the room
    first)."""
    rule_set = rule_set_at(await earn_rule_cache.versions(conn, partner_id), at)
    tier = await tiers.earn_tier(conn, member_id, at)
    calculation = calculate(rule_set, money, lines, tier.multipliers)
    cap = day_cap(rule_set, at)
    if cap is None:
        return calculation
    before = await earn_rule_versions.earned_between(
        conn, member_id, partner_id, cap.start, cap.end
    )
    return with_daily_cap(calculation, cap.limit, before)


async def earn_purchase(
    conn: Conn,
    request: Request,
    *,
    partner_id: int,
    member_id: int,
    money: Money,
    lines: list[rules.Line],
    order_id: str | None,
    occurred_at: datetime,
    now: datetime,
    multipliers: Sequence[Multiplier] = (),
    promo_code: str | None = None,
) -> Outcome:
    """Price the purchase with the rule version in force at ``occurred_at``, the tier the
    member has now (``multipliers``: more of them) and the campaigns running at
    ``occurred_at`` (with ``promo_code``, its campaign too), and post the earn (one round
    trip, and one more to read the tier once the program has tiers or memberships, one to read
    the member when a campaign at hand targets a segment); priced again once if the rules or
    the campaigns changed since they were read."""
    tier = await tiers.earn_tier(conn, member_id, now)
    for fresh in (False, True):
        versions = await earn_rule_cache.versions(conn, partner_id, fresh=fresh)
        offer = await campaign_cache.offer(conn, partner_id, fresh=fresh)
        rule_set = rule_set_at(versions, occurred_at)
        calculation = calculate(rule_set, money, lines, [*tier.multipliers, *multipliers])
        try:
            found = await campaign_earns.evaluate(
                conn,
                offer,
                partner_id=partner_id,
                member_id=member_id,
                tier=tier,
                calculation=calculation,
                at=occurred_at,
                promo_code=promo_code,
                posted_at=now,
            )
            return await earning.earn(
                conn,
                request,
                member_id=member_id,
                partner_id=partner_id,
                earn_rate=rule_set.terms.base_rate,
                points=calculation.points,
                amount=money,
                order_id=order_id,
                occurred_at=occurred_at,
                now=now,
                details=earn_details(calculation, tier),
                rule_set_id=rule_set.id,
                day_cap=day_cap(rule_set, occurred_at),
                campaigns=campaign_earns.campaigns(offer, found),
            )
        except (EarnRulesChanged, CampaignsChanged, PromoCodeNotFound):
            if fresh:
                raise
    raise AssertionError("unreachable")
