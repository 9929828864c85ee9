"""A campaign's limits, applied to what it claims: the rule ``campaign_grant`` (migration
0019) applies under the member's lock, here for quotes and worked examples.

In order: a member who used the campaign ``usesPerMember`` times, or a campaign used
``usesTotal`` times, gets nothing; then the points are cut to what is left of the member's
``pointsPerMember`` and of the campaign's ``pointsTotal`` (what remains is given, down to
nothing); an instant win's prize is given whole or not at all. A return gives no room back:
the limits count what was given.
"""

from __future__ import annotations

from dataclasses import dataclass

from partners.campaigns.terms import Kind, Limit, Limits


@dataclass(frozen=True)
class Used:
    """What the campaign gave so far, in all and to this member."""

    points: int = 0
    uses: int = 0
    member_points: int = 0
    member_uses: int = 0


@dataclass(frozen=True)
class Granted:
    points: int
    limited_by: Limit | None = None
    """The limit that cut the points (None: all were given)."""


def grant(kind: Kind, wanted: int, limits: Limits, used: Used) -> Granted:
    points, limited = wanted, None
    if limits.uses_per_member is not None and used.member_uses >= limits.uses_per_member:
        points, limited = 0, Limit.USES_PER_MEMBER
    elif limits.uses_total is not None and used.uses >= limits.uses_total:
        points, limited = 0, Limit.USES_TOTAL
    if limits.points_per_member is not None:
        left = max(0, limits.points_per_member - used.member_points)
        if points > left:
            points, limited = left, Limit.POINTS_PER_MEMBER
    if limits.points_total is not None and points > limits.points_total - used.points:
        points, limited = limits.points_total - used.points, Limit.POINTS_TOTAL
    if kind is Kind.INSTANT_WIN and points < wanted:
        points = 0
    return Granted(points, limited if points < wanted else None)
