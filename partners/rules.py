"""Basket lines and the floor of points, pure (no SQL): worked examples test them.

``earn_points`` is one flat rate on every line (what a partner's version 1 earn rules say);
the earn rules as data (category rates, exclusions, minimum purchase, multipliers, caps)
are ``partners.earn_rules``, and every earn is priced by them through ``partners.purchases``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from exchange.kit.errors import InvalidAmount
from exchange.kit.money import MAX_POINTS


@dataclass(frozen=True)
class Line:
    category: str
    amount: Decimal


@dataclass(frozen=True)
class LinePoints:
    category: str
    amount: Decimal
    points: int


def floor_points(value: Decimal) -> int:
    return int(value.to_integral_value(ROUND_FLOOR))


def earn_points(amount: Decimal, lines: Sequence[Line], rate: Decimal) -> list[LinePoints]:
    """Points per line, each ``floor(line amount x rate)``; with no lines, the whole amount
    is one line. Lines may not add up to more than what was paid."""
    if not lines:
        lines = [Line(category="purchase", amount=amount)]
    if sum((line.amount for line in lines), Decimal(0)) > amount:
        raise InvalidAmount("the lines add up to more than the amount paid", field=["lines"])
    result = [
        LinePoints(line.category, line.amount, floor_points(line.amount * rate)) for line in lines
    ]
    if sum(line.points for line in result) > MAX_POINTS:
        raise InvalidAmount(f"a transaction earns at most {MAX_POINTS} points", field=["amount"])
    return result
