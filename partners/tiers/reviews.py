"""What a scheduled review does to a member's earned tier (downgrades happen only here).

An earned tier above threshold 0 comes up for review at its ``review_at`` (set when it was
earned: the earn's time plus the ladder's ``review_every``). A review at ``as_of`` places the
member by its qualifying points then:

- at or above its tier: the tier is kept (or raised) and comes up again one ``review_every``
  after the review date it was due at (whole periods, so a late run keeps the cadence);
- below it, within the grace (``as_of`` before ``review_at + grace``): nothing changes yet;
  the member may still earn its way back before the grace ends;
- below it once the grace is over: down to the tier its points reach (maybe none), which
  comes up for review one ``review_every`` later.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from partners.tiers.ladders import Ladder, Level, rank_of


class Outcome(StrEnum):
    KEPT = "KEPT"
    RAISED = "RAISED"
    IN_GRACE = "IN_GRACE"
    LOWERED = "LOWERED"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    level: Level | None
    """The earned tier after the review."""
    review_at: datetime | None
    """When it comes up for review next (None: a tier of threshold 0, or none)."""

    @property
    def changed(self) -> bool:
        return self.outcome in (Outcome.RAISED, Outcome.LOWERED)


def _next_review(
    ladder: Ladder, level: Level | None, due: datetime, as_of: datetime
) -> datetime | None:
    if level is None or level.threshold == 0:
        return None
    following = due + ladder.review_every
    while following <= as_of:
        following += ladder.review_every
    return following


def review(
    ladder: Ladder, *, earned: str | None, review_at: datetime, qualifying: int, as_of: datetime
) -> Decision:
    """The review of a member whose earned tier was due at ``review_at`` (at or before
    ``as_of``), with ``qualifying`` points at ``as_of``."""
    current = ladder.earned(earned)
    reached = ladder.placed(qualifying)
    if rank_of(reached) >= rank_of(current):
        outcome = Outcome.RAISED if rank_of(reached) > rank_of(current) else Outcome.KEPT
        return Decision(outcome, reached, _next_review(ladder, reached, review_at, as_of))
    if as_of < review_at + ladder.grace:
        return Decision(Outcome.IN_GRACE, current, review_at)
    return Decision(Outcome.LOWERED, reached, _next_review(ladder, reached, as_of, as_of))
