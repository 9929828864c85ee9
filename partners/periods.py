"""Calendar periods in UTC that limits count in (a bonus type's, a pool spender's). Pure."""

from __future__ import annotations

from datetime import UTC, datetime

PERIODS = ("DAY", "MONTH", "YEAR", "EVER")


def period_bounds(period: str, at: datetime) -> tuple[datetime | None, datetime | None]:
    """The UTC calendar period containing ``at``: [start, end); EVER is unbounded."""
    moment = at.astimezone(UTC)
    if period == "EVER":
        return None, None
    if period == "DAY":
        start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
        next_day = start.toordinal() + 1
        return start, datetime.fromordinal(next_day).replace(tzinfo=UTC)
    if period == "MONTH":
        start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        year, month = (start.year + 1, 1) if start.month == 12 else (start.year, start.month + 1)
        return start, start.replace(year=year, month=month)
    start = moment.replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
    return start, start.replace(year=start.year + 1)
