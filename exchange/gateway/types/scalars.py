"""Custom scalars: ``DateTime`` (ISO 8601 with an offset, always UTC out) and ``Duration``."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import NewType

import strawberry
from strawberry.types.scalar import ScalarDefinition

Duration = NewType("Duration", timedelta)

MAX_DURATION = timedelta(days=36500)
_DURATION = re.compile(
    r"^P(?:(?P<weeks>\d{1,5})W)?(?:(?P<days>\d{1,6})D)?"
    r"(?:T(?:(?P<hours>\d{1,7})H)?(?:(?P<minutes>\d{1,9})M)?(?:(?P<seconds>\d{1,11})S)?)?$"
)


def serialize_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("refusing to serialize a datetime without an offset")
    return value.astimezone(UTC).isoformat()


def parse_datetime(value: object) -> datetime:
    """ISO 8601 with an offset (``Z`` or ``+02:00``); a naive time is refused, not guessed."""
    if not isinstance(value, str) or len(value) > 64:
        raise ValueError("DateTime must be an ISO 8601 string such as 2025-05-01T12:00:00Z")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no UTC offset; add Z or an offset such as +02:00")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00+01:00 is in year 0 in UTC (found by the fuzz)
        raise ValueError(f"{value!r} is out of range in UTC") from None


def serialize_duration(value: timedelta) -> str:
    seconds = int(value.total_seconds())
    days, rest = divmod(seconds, 86400)
    text = f"P{days}D" if days else "P"
    if rest or not days:
        text += f"T{rest}S"
    return text


def parse_duration(value: object) -> Duration:
    """An ISO 8601 duration in weeks, days, hours, minutes and seconds (``P90D``, ``PT12H``).

    Months and years are refused: their length depends on the calendar."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if match is None or value in ("P", "PT") or str(value).endswith("T"):
        raise ValueError(
            "Duration must be an ISO 8601 duration in weeks, days, hours, minutes or seconds,"
            " such as P90D or PT12H (no months or years)"
        )
    parts = {name: int(number) for name, number in match.groupdict().items() if number}
    duration = timedelta(**parts)
    if duration <= timedelta(0) or duration > MAX_DURATION:
        raise ValueError(f"Duration must be positive and at most {MAX_DURATION.days} days")
    return Duration(duration)


DATETIME: ScalarDefinition = strawberry.scalar(
    name="DateTime",
    description="An instant in ISO 8601 with a UTC offset, e.g. 2025-05-01T12:00:00Z."
    " Times without an offset are refused. Output is always UTC.",
    serialize=serialize_datetime,
    parse_value=parse_datetime,
)

DURATION: ScalarDefinition = strawberry.scalar(
    name="Duration",
    description="An ISO 8601 duration in weeks, days, hours, minutes and seconds, such as P90D"
    " or PT12H. Months and years are not accepted (their length varies).",
    serialize=serialize_duration,
    parse_value=parse_duration,
)
