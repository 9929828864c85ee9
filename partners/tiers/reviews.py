"""What a scheduled review does to a member's earned tier (downgrades happen only here).

An earned tier above threshold 0 comes up for review at its ``review_at`` (set when it was
earned: the earn's time plus the ladder's ``review_every``). A review at ``as_of`` places the
member by its qualifying points then:

- at or above its tier: the tier is kept (or raised) and comes up again one ``review_every``
  after the review date it was due at (whole periods, so a late run keeps the cadence);
- below it, within the grace (``as_of`` before the review date plus ``grace``): nothing
  changes yet; the member may still earn its way back before the grace ends;
- below it once the grace is over: down to the tier its points reach (maybe none), which
  comes up for review one ``review_every`` later.

The review date is the latest date of the tier's cadence at or before ``as_of`` (the date it
was due, or, for a run that comes whole periods late, the last date it would have been
reviewed at): a late run never lowers a member sooner than a grace after it. The grace is
shorter than the review period (``checks.ladder``), so a member in its grace is lowered
before its next review date comes.
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


def _latest_due(ladder: Ladder, review_at: datetime, as_of: datetime) -> datetime:
    """The latest date of the cadence that started at ``review_at``, at or before ``as_of``."""
    return review_at + ladder.review_every * ((as_of - review_at) // ladder.review_every)


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
    due = _latest_due(ladder, review_at, as_of)
    if as_of < due + ladder.grace:
        return Decision(Outcome.IN_GRACE, current, due)
    return Decision(Outcome.LOWERED, reached, _next_review(ladder, reached, as_of, as_of))
