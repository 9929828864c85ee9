"""The points a return of basket lines takes back, at the rates the earn used.

Per category of the original purchase: its amount A, the points its lines earned before caps
U and kept after them G (the caps shared over the lines, ``Calculation.granted``), and its
rate r (rate x multipliers, as recorded). Returning x of the category in all (this return and
the earlier ones) has taken back

    T(x) = min(G, floor(x x r x G / U))

so a line comes back at its own rate (``floor(45.00 x 0.1) = 4``), an excluded line at 0, a
capped purchase in proportion to what the caps let through, and the whole category at exactly
G. A return takes T(after) - T(before) for each line it brings back.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from exchange.ledger.errors import AmountExceedsOriginal
from partners.earn_rules.evaluation import Calculation
from partners.rules import Line, floor_points


@dataclass(frozen=True)
class Category:
    amount: Decimal
    rate: Decimal
    points: int
    """Before caps."""
    granted: int
    """After caps."""

    def taken_back(self, returned: Decimal) -> int:
        """T(returned): the points a return of ``returned`` in all takes back."""
        if self.points == 0:
            return 0
        scaled = returned * self.rate * self.granted / self.points
        return min(self.granted, floor_points(scaled))


@dataclass(frozen=True)
class ReturnedLine:
    category: str
    amount: Decimal
    points: int


@dataclass(frozen=True)
class LineReturn:
    lines: tuple[ReturnedLine, ...]

    @property
    def amount(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def points(self) -> int:
        return sum(line.points for line in self.lines)

    def details(self) -> dict[str, Any]:
        """What the reversal keeps: the lines it brought back (later returns count them)."""
        kept = [
            {"category": line.category, "amount": format(line.amount, "f"), "points": line.points}
            for line in self.lines
        ]
        return {"lines": kept}


def categories(calculation: Calculation) -> dict[str, Category]:
    """The purchase by category (matched whatever the case), with its points after caps."""
    found: dict[str, Category] = {}
    for line, granted in zip(calculation.lines, calculation.granted, strict=True):
        key = line.category.casefold()
        seen = found.get(key, Category(Decimal(0), line.rate * line.multiplier, 0, 0))
        found[key] = Category(
            seen.amount + line.amount, seen.rate, seen.points + line.points, seen.granted + granted
        )
    return found


def returned_before(earlier: Iterable[dict[str, Any] | None]) -> dict[str, Decimal]:
    """Amounts already returned per category, from earlier reversals' details (a reversal by
    amount returned no line in particular and counts for none)."""
    returned: dict[str, Decimal] = {}
    for kept in earlier:
        for line in (kept or {}).get("lines", []):
            key = str(line["category"]).casefold()
            returned[key] = returned.get(key, Decimal(0)) + Decimal(line["amount"])
    return returned


def points_back(
    calculation: Calculation, before: Mapping[str, Decimal], returning: Sequence[Line]
) -> LineReturn:
    """The points each returned line takes back; refuses a line the purchase did not have or
    more of a category than is left of it (``AMOUNT_EXCEEDS_ORIGINAL``)."""
    bought = categories(calculation)
    returned = dict(before)
    lines = []
    for index, line in enumerate(returning):
        key = line.category.casefold()
        category = bought.get(key)
        if category is None:
            raise AmountExceedsOriginal(
                f"the purchase has no {line.category} line", field=["lines", str(index), "category"]
            )
        so_far = returned.get(key, Decimal(0))
        if line.amount > category.amount - so_far:
            raise AmountExceedsOriginal(
                f"at most {category.amount - so_far} of {line.category} is left to return",
                field=["lines", str(index), "amount"],
            )
        returned[key] = so_far + line.amount
        points = category.taken_back(returned[key]) - category.taken_back(so_far)
        lines.append(ReturnedLine(line.category, line.amount, points))
    return LineReturn(tuple(lines))
