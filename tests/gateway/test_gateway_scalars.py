"""DateTime (offset required, UTC out) and Duration (ISO 8601, no months or years)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from exchange.gateway.types.scalars import (
    parse_datetime,
    parse_duration,
    serialize_datetime,
    serialize_duration,
)


def test_datetime_with_offset_is_converted_to_utc():
    assert parse_datetime("2025-05-01T14:00:00+02:00") == datetime(2025, 5, 1, 12, tzinfo=UTC)
    assert parse_datetime("2025-05-01T12:00:00Z") == datetime(2025, 5, 1, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    "value", ["2025-05-01T12:00:00", "2025-05-01", "yesterday", 5, None, "x" * 100]
)
def test_naive_or_malformed_datetimes_are_refused(value):
    with pytest.raises(ValueError, match=r"ISO 8601|offset"):
        parse_datetime(value)


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+02:34", "9999-12-31T23:59:59-05:00"])
def test_datetimes_outside_utcs_range_are_refused(value):
    """Found by the schema fuzz: these were an OverflowError (a masked server error)."""
    with pytest.raises(ValueError, match="out of range"):
        parse_datetime(value)


def test_datetime_output_is_utc_with_offset():
    value = datetime(2025, 5, 1, 14, tzinfo=timezone(timedelta(hours=2)))
    assert serialize_datetime(value) == "2025-05-01T12:00:00+00:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P90D", timedelta(days=90)),
        ("PT12H", timedelta(hours=12)),
        ("P2W", timedelta(weeks=2)),
        ("P1DT2H3M4S", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected
    assert parse_duration(serialize_duration(expected)) == expected


@pytest.mark.parametrize(
    "text", ["P1M", "P1Y", "P", "PT", "P1DT", "90", "-P1D", "P0D", "P99999999D", 90]
)
def test_bad_durations(text):
    with pytest.raises(ValueError, match="Duration"):
        parse_duration(text)


def test_serialized_duration_shapes():
    assert serialize_duration(timedelta(days=90)) == "P90D"
    assert serialize_duration(timedelta(hours=1)) == "PT3600S"
    assert serialize_duration(timedelta(days=1, seconds=5)) == "P1DT5S"
