"""What the campaigns running at a purchase claim for it, before budgets (pure).

The order of application, per basket line: the line's rate (its category's, or the base
rate), the member's tier multipliers, then each multiplier campaign in campaign order, and
one floor at the end: a line earns ``floor(amount x rate x tier x campaigns)`` in all. The
earn rules' points are ``floor(amount x rate x tier)`` per line, capped by the partner's caps
(``partners.earn_rules``); a multiplier campaign's points on a line are what it adds to that
floor, ``floor(amount x rate x tier x ... x factor) - floor(amount x rate x tier x ...)``,
so the lines add up exactly, and they are not capped by the partner's caps: a campaign is
bounded by its own budgets. A fixed bonus or an instant-win prize is per purchase.

A campaign applies to a purchase when the version in force at the purchase's time is running
then, targets the partner, the member's tier and segment (if it names them), has qualifying
lines (in its categories, if it names them; an excluded category never qualifies) costing at
least its minimum spend, and the purchase earns under the earn rules (their minimum purchase
met); an instant win draws only for earns posted before its end (its seed is shown then). A
promo code's campaign applies only when the earn presents its code, and then must
apply, or the earn is refused with the reason. A member in a campaign's control group is
held out: the campaign is recorded as it would have applied, and gives nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from partners.campaigns import control
from partners.campaigns.errors import (
    PromoCodeMinimumNotMet,
    PromoCodeNotActive,
    PromoCodeNotApplicable,
    PromoCodeNotFound,
)
from partners.campaigns.terms import Kind, MemberView, Segment, Terms, Version
from partners.earn_rules.evaluation import Calculation, LineResult
from partners.earn_rules.rule_sets import Rule
from partners.rules import floor_points
from partners.versions import in_force


@dataclass(frozen=True)
class Part:
    """Points a campaign claims on some of the basket: one category's lines (a multiplier),
    or every qualifying line (a bonus, a prize). A return takes them back in proportion."""

    categories: tuple[str, ...]
    amount: Decimal
    points: int


@dataclass(frozen=True)
class Claim:
    """A campaign that applies to the purchase, and the points it asks for."""

    version: Version
    parts: tuple[Part, ...]
    held_out: bool = False
    promo: bool = False

    @property
    def wanted(self) -> int:
        """The points it gives if its limits allow (an instant win: if won)."""
        return sum(part.points for part in self.parts)

    @property
    def spend(self) -> Decimal:
        return sum((part.amount for part in self.parts), Decimal(0))


@dataclass(frozen=True)
class Skipped:
    """A campaign running at the partner that does not apply, and why (quotes say it)."""

    version: Version
    reason: str


@dataclass(frozen=True)
class Evaluation:
    claims: tuple[Claim, ...] = ()
    skipped: tuple[Skipped, ...] = ()


@dataclass(frozen=True)
class Context:
    """The purchase and the member, as the campaigns see them."""

    partner_id: int
    calculation: Calculation
    member: MemberView
    at: datetime
    seeds: Mapping[int, bytes]
    """Each campaign's seed (by campaign id): its control group derives from it."""
    segments: Mapping[int, Segment]
    posted_at: datetime | None = None
    """When the earn is posted (None: ``at``): an instant win draws only before its end, when
    its seed is still secret, whatever the purchase's time."""


def in_force_now(versions: Sequence[Version], at: datetime) -> list[Version]:
    """Each campaign's version in force at ``at``, in campaign order."""
    by_campaign: dict[int, list[Version]] = {}
    for version in versions:
        by_campaign.setdefault(version.campaign.id, []).append(version)
    found = [in_force(listed, at) for _, listed in sorted(by_campaign.items())]
    return [version for version in found if version is not None]


def normal_code(code: str) -> str:
    return code.strip().upper()


def _promo_version(versions: Sequence[Version], code: str, at: datetime) -> Version:
    """The campaign of the presented code, running at ``at``, or why not."""
    listed = [v for v in versions if normal_code(v.campaign.promo_code or "") == code]
    if not listed:
        raise PromoCodeNotFound(f"no promo code {code}", field=["promoCode"])
    version = in_force(listed, at)
    if version is None or not version.terms.running(at):
        raise PromoCodeNotActive(
            f"promo code {code} is not valid at {at.isoformat()}", field=["promoCode"]
        )
    return version


def _who(terms: Terms, context: Context) -> str | None:
    """Why the member or partner is not targeted (None: they are)."""
    targets = terms.targets
    if not targets.partner(context.partner_id):
        return "not at this partner"
    if not targets.tier(context.member.tier):
        return f"for tiers {', '.join(targets.tiers)} only"
    if targets.segment_id is not None:
        segment = context.segments.get(targets.segment_id)
        if segment is None or not context.member.in_segment(segment):
            return "the member is not in its segment"
    return None


Lines = Sequence[tuple[int, LineResult]]
"""Basket lines with their index in the purchase."""


def _qualifying(terms: Terms, calculation: Calculation) -> list[tuple[int, LineResult]]:
    return [
        (index, line)
        for index, line in enumerate(calculation.lines)
        if line.rule is not Rule.EXCLUDED_CATEGORY and terms.targets.category(line.category)
    ]


def _spend(lines: Lines) -> Decimal:
    return sum((line.amount for _, line in lines), Decimal(0))


def _why_not(terms: Terms, context: Context, lines: Lines) -> str | None:
    posted = context.posted_at or context.at
    if terms.kind is Kind.INSTANT_WIN and terms.ends_at is not None and posted >= terms.ends_at:
        return "its draws closed when it ended"
    if not context.calculation.minimum_met:
        return "the purchase is below the partner's minimum purchase"
    if (who := _who(terms, context)) is not None:
        return who
    spend = _spend(lines)
    if not lines or spend <= 0:
        return "no line of the basket is in its categories"
    if terms.minimum_spend is not None and spend < terms.minimum_spend:
        return f"its lines cost {spend}, less than its minimum spend of {terms.minimum_spend}"
    return None


def _multiplied(lines: Lines, factor: Decimal, running: list[Decimal]) -> tuple[Part, ...]:
    """What ``factor`` adds to each line's floor, on top of the multipliers so far; merged by
    category. ``running`` (the multiplier so far, by line index) is moved on by the caller."""
    by_category: dict[str, Part] = {}
    for index, line in lines:
        before = running[index]
        base = line.amount * line.rate
        extra = floor_points(base * before * factor) - floor_points(base * before)
        folded = line.category.casefold()
        seen = by_category.get(folded, Part((line.category,), Decimal(0), 0))
        by_category[folded] = Part(seen.categories, seen.amount + line.amount, seen.points + extra)
    return tuple(by_category.values())


def _claim(version: Version, context: Context, lines: Lines, running: list[Decimal]) -> Claim:
    terms = version.terms
    promo = version.campaign.promo_code is not None
    seed = context.seeds.get(version.campaign.id, b"")
    held = not promo and control.held_out(seed, context.member.id, terms.control_percent)
    if terms.kind is Kind.MULTIPLIER:
        assert terms.factor is not None
        parts = _multiplied(lines, terms.factor, running)
        if not held:
            for index, _ in lines:
                running[index] *= terms.factor
    else:
        assert terms.points is not None
        categories = tuple(dict.fromkeys(line.category for _, line in lines))
        parts = (Part(categories, _spend(lines), terms.points),)
    return Claim(version, parts, held_out=held, promo=promo)


def _refuse(code: str, reason: str) -> None:
    if "minimum spend" in reason:
        raise PromoCodeMinimumNotMet(f"promo code {code}: {reason}", field=["promoCode"])
    raise PromoCodeNotApplicable(f"promo code {code}: {reason}", field=["promoCode"])


def evaluate(
    versions: Sequence[Version], context: Context, promo_code: str | None = None
) -> Evaluation:
    """The claims of the campaigns in ``versions`` (every version of the campaigns that may
    apply at the partner, and of every promo code), in campaign order."""
    code = None if promo_code is None else normal_code(promo_code)
    presented = None if code is None else _promo_version(versions, code, context.at)
    running = [line.multiplier for line in context.calculation.lines]
    claims, skipped = [], []
    for version in in_force_now(versions, context.at):
        terms = version.terms
        if version.campaign.promo_code is not None and version is not presented:
            continue
        if not terms.running(context.at):
            continue
        lines = _qualifying(terms, context.calculation)
        reason = _why_not(terms, context, lines)
        if reason is not None and version is presented:
            assert code is not None
            _refuse(code, reason)
        if reason is not None:
            if terms.targets.partner(context.partner_id):
                skipped.append(Skipped(version, reason))
            continue
        claims.append(_claim(version, context, lines, running))
    return Evaluation(tuple(claims), tuple(skipped))
