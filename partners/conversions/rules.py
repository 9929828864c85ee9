"""A program currency and the versions of its conversion rules. Pure: plain values.

A version says, for each way (IN: the currency into points; OUT: points into the currency),
whether it is offered, at which rate and within which limits (in points: per conversion and
per member per UTC day). Versions are never edited; the one in force at an instant is the
latest started (``partners.versions.in_force``). Before the first, nothing is offered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from partners.versions import in_force as in_force


class Direction(StrEnum):
    IN = "IN"
    """The partner's currency into coalition points: an earn funded by the partner."""
    OUT = "OUT"
    """Coalition points into the partner's currency: a burn at the partner, once it confirms."""


@dataclass(frozen=True)
class Way:
    """The rules of one direction."""

    offered: bool = False
    rate: Decimal | None = None
    """IN: points per unit of the currency (0.8: 1 mile gives 0.8 points). OUT: units of the
    currency per point (1.25: a point gives 1.25 miles)."""
    minimum_points: int | None = None
    maximum_points: int | None = None
    daily_points: int | None = None
    """The most points a member may convert this way in one UTC day."""


@dataclass(frozen=True)
class Terms:
    into: Way = Way()
    out: Way = Way()

    def way(self, direction: Direction) -> Way:
        return self.into if direction is Direction.IN else self.out


@dataclass(frozen=True)
class RuleSet:
    id: int
    currency_id: int
    version: int
    effective_from: datetime
    terms: Terms
    created_at: datetime | None = None


@dataclass(frozen=True)
class Currency:
    id: int
    partner_id: int
    code: str
    name: str
    decimals: int
    """Amounts are written with at most this many decimals (miles: 0)."""
