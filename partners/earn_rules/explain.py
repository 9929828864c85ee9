"""A calculation in words, rule by rule, with its numbers: what ``earnQuote`` shows before an
earn, and what the earn's record shows after it (the same function reads both)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from partners.earn_rules.evaluation import Calculation, DailyCap, LineResult, Multiplier
from partners.earn_rules.rule_sets import Rule


@dataclass(frozen=True)
class Step:
    rule: Rule
    message: str
    points: int | None = None
    """A line's points (line steps), or the transaction's after the step (caps)."""
    line: int | None = None
    """The line's index (line steps)."""
    applied: bool = True
    """False for a rule that was checked and changed nothing (a cap not reached)."""


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _minimum(calculation: Calculation) -> Step:
    assert calculation.minimum_purchase is not None
    paid = f"{calculation.amount} {calculation.currency} paid"
    minimum = f"the minimum purchase of {calculation.minimum_purchase} {calculation.currency}"
    if calculation.minimum_met:
        return Step(Rule.MINIMUM_PURCHASE, f"{paid}: at least {minimum}", applied=False)
    return Step(Rule.MINIMUM_PURCHASE, f"{paid}: below {minimum}, so no line earns points", 0)


def _multiplier(multiplier: Multiplier) -> Step:
    where = (
        "every line"
        if multiplier.categories is None
        else "lines in " + ", ".join(sorted(multiplier.categories))
    )
    return Step(Rule.MULTIPLIER, f"x{_n(multiplier.factor)} ({multiplier.source}) on {where}")


def _line(index: int, line: LineResult, calculation: Calculation) -> Step:
    paid = f"{line.category} {line.amount} {calculation.currency}"
    if line.rule is Rule.EXCLUDED_CATEGORY:
        return Step(line.rule, f"{paid}: an excluded category, 0 points", 0, index)
    if not calculation.minimum_met:
        return Step(line.rule, f"{paid}: below the minimum purchase, 0 points", 0, index)
    which = f"the {line.category} rate" if line.rule is Rule.CATEGORY_RATE else "the base rate"
    times = f" x {_n(line.multiplier)}" if line.multiplier != 1 else ""
    message = (
        f"{paid} x {_n(line.rate)} ({which}){times} = {_n(line.exact)},"
        f" rounded down: {line.points} points"
    )
    return Step(line.rule, message, line.points, index)


def _per_transaction(calculation: Calculation) -> Step:
    cap, before = calculation.cap_per_transaction, calculation.points_before_caps
    after = calculation.points_per_transaction
    if after == before:
        message = f"{before} points: within the cap of {cap} points per transaction"
        return Step(Rule.CAP_PER_TRANSACTION, message, after, applied=False)
    message = f"{before} points capped at {cap} points per transaction"
    return Step(Rule.CAP_PER_TRANSACTION, message, after)


def _per_day(calculation: Calculation, daily: DailyCap) -> Step:
    wanted = calculation.points_per_transaction
    room = max(0, daily.limit - daily.earned_before)
    said = (
        f"{daily.earned_before} points earned at this partner earlier that day (UTC); the cap"
        f" of {daily.limit} points a day leaves {room}"
    )
    if daily.points == wanted:
        message = f"{said}: all {wanted} points fit"
        return Step(Rule.CAP_PER_MEMBER_PER_DAY, message, daily.points, applied=False)
    message = f"{said}: {daily.points} of {wanted} points"
    return Step(Rule.CAP_PER_MEMBER_PER_DAY, message, daily.points)


def steps(calculation: Calculation) -> list[Step]:
    """The rules in the order they applied: minimum purchase, multipliers, each line's rate
    (and floor), then the caps."""
    said = []
    if calculation.minimum_purchase is not None:
        said.append(_minimum(calculation))
    said.extend(_multiplier(multiplier) for multiplier in calculation.multipliers)
    said.extend(_line(i, line, calculation) for i, line in enumerate(calculation.lines))
    if calculation.cap_per_transaction is not None:
        said.append(_per_transaction(calculation))
    if calculation.daily_cap is not None:
        said.append(_per_day(calculation, calculation.daily_cap))
    return said
