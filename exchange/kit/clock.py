"""The one source of business time (UTC). Tests may replace ``now``."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def ensure_utc(value: datetime) -> datetime:
    """Times are UTC with an offset; a naive time is refused upstream, an aware one converted."""
    if value.tzinfo is None:
        raise ValueError("time must carry an offset")
    return value.astimezone(UTC)
