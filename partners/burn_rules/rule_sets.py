"""A partner's burn rules: versions, each in force from its ``effective_from`` on.

A version is never edited: a change is a new version. The version in force at an instant is
the one with the latest ``effective_from`` at or before it (the higher version when two start
at the same instant). Before a partner's first version, and for a partner without one, the
defaults hold: it accepts points, a point pays its redemption value in force, no minimum,
and points pay at most the whole basket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from partners.versions import in_force as in_force


class Limit(StrEnum):
    """What may bind a burn, in the order a burn is checked."""

    REDEMPTION_NOT_ACCEPTED = "REDEMPTION_NOT_ACCEPTED"
    MINIMUM_BASKET = "MINIMUM_BASKET"
    MINIMUM_POINTS = "MINIMUM_POINTS"
    MAX_BASKET_SHARE = "MAX_BASKET_SHARE"
    AVAILABLE_POINTS = "AVAILABLE_POINTS"


@dataclass(frozen=True)
class Terms:
    """What a version says. Money is in the program's currency."""

    accepts_redemption: bool = True
    point_value: Decimal | None = None
    """Money a point pays of a basket; None: the partner's redemption value in force."""
    max_basket_share: Decimal | None = None
    """The largest share of a basket points may pay (0.2: at most 20%); None: all of it."""
    minimum_basket: Decimal | None = None
    """The least a basket must cost for points to pay any of it."""
    minimum_points: int | None = None
    """The fewest points one burn may use."""

    @property
    def needs_basket(self) -> bool:
        """A burn must say what its basket costs (``basketAmount``)."""
        return self.max_basket_share is not None or self.minimum_basket is not None


DEFAULTS = Terms()


@dataclass(frozen=True)
class RuleSet:
    """One version of a partner's burn rules."""

    id: int
    partner_id: int
    version: int
    effective_from: datetime
    terms: Terms
    created_at: datetime | None = None
