"""A purchase's points under one rule version: line by line, caps after.

Every line earns ``floor(amount x rate(category) x multipliers)``: the rate is the line's
category rate, the base rate, or 0 for an excluded category; the multipliers (a member's
tier, campaigns: filled in by later program rules) multiply before the floor. A purchase
below the minimum earns nothing. Then the cap per transaction, then (under the member's lock,
in the earn itself) the cap per member per day. Points are earned only on money paid: the
lines may not add up to more than the amount, and what no line covers earns nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from exchange.kit.errors import InvalidAmount
from exchange.kit.money import MAX_POINTS
from partners.earn_rules import caps
from partners.earn_rules.rule_sets import Rule, RuleSet
from partners.rules import Line, floor_points

WHOLE_PURCHASE = "purchase"
"""The category of the one line a purchase without lines is counted as."""


@dataclass(frozen=True)
class Multiplier:
    """A factor on the points of some lines (``categories``; None: every line)."""

    source: str
    """Who grants it, e.g. ``tier:GOLD`` or ``campaign:12``."""
    factor: Decimal
    categories: frozenset[str] | None = None

    def applies_to(self, category: str) -> bool:
        if self.categories is None:
            return True
        return category.casefold() in {name.casefold() for name in self.categories}


@dataclass(frozen=True)
class Purchase:
    amount: Decimal
    """What the member paid in money."""
    currency: str
    lines: tuple[Line, ...] = ()


@dataclass(frozen=True)
class LineResult:
    category: str
    amount: Decimal
    rule: Rule
    """BASE_RATE, CATEGORY_RATE or EXCLUDED_CATEGORY: where ``rate`` comes from."""
    rate: Decimal
    multiplier: Decimal
    """The product of the multipliers on this line (1: none)."""
    points: int
    """floor(amount x rate x multiplier); 0 below the minimum purchase. Before caps."""

    @property
    def exact(self) -> Decimal:
        return self.amount * self.rate * self.multiplier


@dataclass(frozen=True)
class DailyCap:
    limit: int
    earned_before: int
    """Points the member earned at the partner earlier that day."""
    points: int
    """The transaction's points once the cap is applied."""


@dataclass(frozen=True)
class Calculation:
    """How a purchase's points came out: enough to explain them and to undo them."""

    rule_set_id: int | None
    """None for an earn from before earn rules were versioned (a flat rate)."""
    version: int | None
    effective_from: datetime | None
    base_rate: Decimal
    amount: Decimal
    currency: str
    lines: tuple[LineResult, ...]
    multipliers: tuple[Multiplier, ...] = ()
    minimum_purchase: Decimal | None = None
    cap_per_transaction: int | None = None
    daily_cap: DailyCap | None = None

    @property
    def minimum_met(self) -> bool:
        return self.minimum_purchase is None or self.amount >= self.minimum_purchase

    @property
    def points_before_caps(self) -> int:
        return sum(line.points for line in self.lines)

    @property
    def points_per_transaction(self) -> int:
        """After the cap per transaction (what the daily cap then applies to)."""
        return caps.per_transaction(self.points_before_caps, self.cap_per_transaction)

    @property
    def points(self) -> int:
        """What the member gets."""
        if self.daily_cap is not None:
            return self.daily_cap.points
        return self.points_per_transaction

    @property
    def granted(self) -> tuple[int, ...]:
        """The points each line keeps after the caps (they add up to ``points``)."""
        return caps.allocate(self.points, [line.points for line in self.lines])


def _basket(purchase: Purchase) -> tuple[Line, ...]:
    if not purchase.lines:
        return (Line(category=WHOLE_PURCHASE, amount=purchase.amount),)
    if sum((line.amount for line in purchase.lines), Decimal(0)) > purchase.amount:
        raise InvalidAmount("the lines add up to more than the amount paid", field=["lines"])
    return purchase.lines


def _line(
    line: Line, rule_set: RuleSet, multipliers: Sequence[Multiplier], met: bool
) -> LineResult:
    rate, rule = rule_set.terms.rate_for(line.category)
    multiplier = Decimal(1)
    for applying in multipliers:
        if applying.applies_to(line.category):
            multiplier *= applying.factor
    points = floor_points(line.amount * rate * multiplier) if met else 0
    return LineResult(line.category, line.amount, rule, rate, multiplier, points)


def evaluate(
    rule_set: RuleSet, purchase: Purchase, multipliers: Sequence[Multiplier] = ()
) -> Calculation:
    """The purchase's points under ``rule_set``, before the daily cap (``with_daily_cap``)."""
    terms = rule_set.terms
    met = terms.minimum_purchase is None or purchase.amount >= terms.minimum_purchase
    calculation = Calculation(
        rule_set_id=rule_set.id,
        version=rule_set.version,
        effective_from=rule_set.effective_from,
        base_rate=terms.base_rate,
        amount=purchase.amount,
        currency=purchase.currency,
        lines=tuple(_line(line, rule_set, multipliers, met) for line in _basket(purchase)),
        multipliers=tuple(multipliers),
        minimum_purchase=terms.minimum_purchase,
        cap_per_transaction=terms.cap_per_transaction,
    )
    if calculation.points_per_transaction > MAX_POINTS:
        raise InvalidAmount(f"a transaction earns at most {MAX_POINTS} points", field=["amount"])
    return calculation


def with_daily_cap(calculation: Calculation, limit: int, earned_before: int) -> Calculation:
    """The calculation once the member's points earlier that day are known."""
    points = caps.daily_points(calculation.points_per_transaction, limit, earned_before)
    return replace(calculation, daily_cap=DailyCap(limit, earned_before, points))
