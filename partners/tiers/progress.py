"""A member's tier as members and partners read it: the tier that applies now, its source and
how long it holds, the qualifying points in the window and the way to the next tier (the
GraphQL ``Member.tier`` and the web app's dashboard)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn
from partners.tiers import repository as repo
from partners.tiers import standing
from partners.tiers.standing import NextTier, Standing


@dataclass(frozen=True)
class TierProgress:
    standing: Standing
    qualifying_points: int
    next_tier: NextTier | None


async def tier_progress(conn: Conn, member_id: int, at: datetime) -> TierProgress | None:
    """None while no ladder is in force or the member has no tier (no tier of threshold 0,
    and neither earned nor bought one)."""
    ladder, row, memberships = await repo.earn_state(conn, member_id, at)
    if ladder is None:
        return None
    current = standing.standing(
        ladder, earned=row.tier, review_at=row.review_at, memberships=memberships, at=at
    )
    if current is None:
        return None
    points = await repo.qualifying_points(
        conn, [member_id], as_of=at, window_days=ladder.window_days
    )
    qualifying = points[member_id]
    return TierProgress(current, qualifying, standing.next_tier(ladder, current, qualifying))
