"""The tier ladder as data: versions, each in force from its ``effective_from`` on.

A version lists its tiers by rising threshold of qualifying points (points earned from
purchases, less their reversals, whose purchase falls in the rolling window), each with an
earn multiplier and a benefits text, and says how the tiers are kept: the window, how often
an earned tier comes up for review, and the grace a member below its threshold gets. A
version is never edited: a change is a new version. The version in force at an instant is
the one with the latest ``effective_from`` at or before it (the higher version on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from partners.versions import in_force as in_force


@dataclass(frozen=True)
class Level:
    """One tier of a version."""

    name: str
    threshold: int
    """Qualifying points that earn it."""
    multiplier: Decimal
    benefits: str
    rank: int
    """1 for the lowest tier of its version, then 2, 3..."""


@dataclass(frozen=True)
class Ladder:
    """One version of the program's tiers."""

    id: int
    version: int
    effective_from: datetime
    levels: tuple[Level, ...]
    """By rising threshold (and rank)."""
    window_days: int
    review_every_days: int
    grace_days: int

    @property
    def window(self) -> timedelta:
        return timedelta(days=self.window_days)

    @property
    def review_every(self) -> timedelta:
        return timedelta(days=self.review_every_days)

    @property
    def grace(self) -> timedelta:
        return timedelta(days=self.grace_days)

    def level(self, name: str | None) -> Level | None:
        """The tier of that name (whatever its case); None for None or a name it lacks."""
        if name is None:
            return None
        key = name.casefold()
        return next((level for level in self.levels if level.name.casefold() == key), None)

    def placed(self, qualifying: int) -> Level | None:
        """The highest tier whose threshold the points reach (None: below every one)."""
        reached = [level for level in self.levels if level.threshold <= qualifying]
        return reached[-1] if reached else None

    def earned(self, name: str | None) -> Level | None:
        """A member's earned tier: the one it was placed in, and never below the tier that
        0 points give (a tier of threshold 0 is everyone's). A name this version lacks counts
        as none until an earn or a review places the member again."""
        return higher(self.level(name), self.placed(0))

    def above(self, level: Level | None) -> Level | None:
        """The next tier up (the lowest tier for None; None at the top)."""
        rank = rank_of(level)
        return next((found for found in self.levels if found.rank > rank), None)

    @property
    def top(self) -> Level | None:
        return self.levels[-1] if self.levels else None


def rank_of(level: Level | None) -> int:
    return 0 if level is None else level.rank


def higher(first: Level | None, second: Level | None) -> Level | None:
    """The higher of two tiers of one version (the first on a tie)."""
    return second if rank_of(second) > rank_of(first) else first
