"""What a return of a purchase takes back of its campaigns' points, exactly (pure).

Each campaign's points came in parts: a multiplier's per category of its lines, a bonus's or
a prize's over all its qualifying lines (``evaluation.Part``: the categories, their amount A
and points). When its limits cut the points, the parts keep their share of what was given
(``caps.allocate``: largest remainders). After the purchase's returns so far (this one
included), a part of G points has given back

    min(G, floor(G x (R / A + M / P)))

where R is what was returned of the part's categories by lines, M the money returned without
lines (by amount) and P the purchase's amount; the campaign gives back the sum over its parts
less what earlier returns took, and everything left once the whole purchase is returned. So a
return of the shop line takes back the shop line's campaign points, a return of fuel takes
nothing back of a campaign on shop goods, and a bonus comes back in proportion to its lines.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from partners.campaigns.record import Outcome
from partners.earn_rules import caps
from partners.rules import floor_points


@dataclass(frozen=True)
class Returned:
    """What the returns of a purchase brought back so far."""

    purchase: Decimal
    """The purchase's amount (P)."""
    by_category: Mapping[str, Decimal]
    """Returned by lines, per category (casefolded)."""
    by_amount: Decimal
    """Money returned without lines (M)."""
    complete: bool
    """Nothing is left of the purchase."""


def returned(
    purchase: Decimal, returns: Iterable[tuple[Decimal, dict[str, Any] | None]], complete: bool
) -> Returned:
    """``returns``: each return's amount and details (lines, when returned by lines)."""
    by_category: dict[str, Decimal] = {}
    by_amount = Decimal(0)
    for amount, details in returns:
        lines = (details or {}).get("lines")
        if not lines:
            by_amount += amount
            continue
        for line in lines:
            key = str(line["category"]).casefold()
            by_category[key] = by_category.get(key, Decimal(0)) + Decimal(line["amount"])
    return Returned(purchase, by_category, by_amount, complete)


def given_back(award: Outcome, so_far: Returned) -> int:
    """What the returns so far have taken back of the award, in all."""
    if so_far.complete:
        return award.points
    shares = caps.allocate(award.points, [part.points for part in award.parts])
    total = 0
    for part, granted in zip(award.parts, shares, strict=True):
        if granted == 0 or part.amount <= 0:
            continue
        by_lines = sum(
            (so_far.by_category.get(name.casefold(), Decimal(0)) for name in part.categories),
            Decimal(0),
        )
        share = by_lines / part.amount
        if so_far.purchase > 0:
            share += so_far.by_amount / so_far.purchase
        total += min(granted, floor_points(granted * min(Decimal(1), share)))
    return total


def points_back(award: Outcome, so_far: Returned, taken_before: int) -> int:
    """What this return takes back of the award (earlier returns took ``taken_before``)."""
    return max(0, min(award.points, given_back(award, so_far)) - taken_before)
