"""Caps, applied after every line is counted: per transaction, and per member per day.

The daily cap is enforced where the member's points are serialized (the earn's SQL
function, under the member's lock): two earns at the edge of the cap never both get their
full points. ``daily_points`` here is the same rule, for quotes and worked examples.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta


def per_transaction(points: int, cap: int | None) -> int:
    return points if cap is None else min(points, cap)


def daily_points(points: int, cap: int, earned_before: int) -> int:
    """What fits under the day's cap after ``earned_before`` points (never below 0)."""
    return max(0, min(points, cap - earned_before))


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """The UTC day ``at`` falls in, as [start, end)."""
    start = at.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def allocate(total: int, parts: Sequence[int]) -> tuple[int, ...]:
    """Share ``total`` (at most the sum of ``parts``) over the parts in proportion: each gets
    the floor of its share, and the points left over go one each to the largest remainders
    (the earlier part first on a tie). So capped points are still known line by line, and
    the lines always add up to the transaction's points."""
    whole = sum(parts)
    if total >= whole:
        return tuple(parts)
    if whole == 0:
        return tuple(0 for _ in parts)
    shares = [divmod(part * total, whole) for part in parts]
    left = total - sum(share for share, _ in shares)
    by_remainder = sorted(range(len(parts)), key=lambda i: (-shares[i][1], i))
    extra = set(by_remainder[:left])
    return tuple(share + (i in extra) for i, (share, _) in enumerate(shares))
