"""A member's tier as it applies at an instant: the higher of the tier it earned and the
tier a running paid membership grants; the way to the next tier; the multipliers an earn
gets (the tier's, and those of running multiplier memberships), recorded with the earn.

Pure: the ladder, the member's earned tier and review date, and its memberships in; the
standing out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from partners.earn_rules.evaluation import Multiplier
from partners.tiers.ladders import Ladder, Level, rank_of
from partners.tiers.plans import Membership


class Source(StrEnum):
    EARNED = "EARNED"
    PAID = "PAID"


@dataclass(frozen=True)
class Standing:
    ladder: Ladder
    level: Level
    source: Source
    valid_until: datetime | None
    """PAID: when the membership ends. EARNED: the earliest instant a review may take the
    tier away (its review date plus the grace); None for a tier of threshold 0."""
    membership: Membership | None = None

    def record(self) -> dict[str, Any]:
        """What an earn keeps of the tier it used (its ``details.tier``)."""
        kept: dict[str, Any] = {
            "name": self.level.name,
            "version": self.ladder.version,
            "source": self.source.value,
            "multiplier": format(self.level.multiplier.normalize(), "f"),
        }
        if self.membership is not None:
            kept["membershipId"] = self.membership.id
        return kept


@dataclass(frozen=True)
class NextTier:
    name: str
    threshold: int
    points_to_go: int


def _earned_until(
    ladder: Ladder, level: Level | None, review_at: datetime | None
) -> datetime | None:
    if level is None or level.threshold == 0 or review_at is None:
        return None
    return review_at + ladder.grace


def _paid(ladder: Ladder, memberships: Sequence[Membership], at: datetime) -> Standing | None:
    granting = [
        (level, m)
        for m in memberships
        if m.active(at) and (level := ladder.level(m.tier)) is not None
    ]
    if not granting:
        return None
    level, membership = max(granting, key=lambda found: (found[0].rank, found[1].ends_at))
    return Standing(ladder, level, Source.PAID, membership.ends_at, membership)


def standing(
    ladder: Ladder,
    *,
    earned: str | None,
    review_at: datetime | None,
    memberships: Sequence[Membership] = (),
    at: datetime,
) -> Standing | None:
    """The tier that applies at ``at``; on a tie the one that lasts longer (earned tiers of
    threshold 0 last for ever)."""
    level = ladder.earned(earned)
    mine = None
    if level is not None:
        mine = Standing(ladder, level, Source.EARNED, _earned_until(ladder, level, review_at))
    paid = _paid(ladder, memberships, at)
    if paid is None or (mine is not None and rank_of(mine.level) > rank_of(paid.level)):
        return mine
    if mine is None or rank_of(paid.level) > rank_of(mine.level):
        return paid
    assert paid.valid_until is not None
    lasts = mine.valid_until is None or mine.valid_until >= paid.valid_until
    return mine if lasts else paid


def next_tier(ladder: Ladder, current: Standing | None, qualifying: int) -> NextTier | None:
    """The tier above the one that applies, and the qualifying points still missing."""
    above = ladder.above(None if current is None else current.level)
    if above is None:
        return None
    return NextTier(above.name, above.threshold, max(0, above.threshold - qualifying))


def multipliers(
    current: Standing | None, memberships: Sequence[Membership], at: datetime
) -> list[Multiplier]:
    """The earn multipliers at ``at``: the tier's (when not 1), then each running multiplier
    membership's; the earn rules multiply them (with campaigns') on every line before the
    floor."""
    found = []
    if current is not None and current.level.multiplier != 1:
        found.append(Multiplier(f"tier:{current.level.name}", current.level.multiplier))
    for membership in memberships:
        if membership.multiplier is not None and membership.active(at):
            found.append(Multiplier(f"membership:{membership.plan_code}", membership.multiplier))
    return found
