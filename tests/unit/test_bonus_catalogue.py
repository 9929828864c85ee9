"""Bonus event types, pure: the calendar period a limit counts in (its edges to the
microsecond, December into January, a leap day), the limits in words, and the checks of a
new version field by field."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from exchange.kit.errors import InvalidInput
from partners.bonuses.catalogue import EventType, Limit, checked, reference
from partners.periods import period_bounds

US = timedelta(microseconds=1)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)  # type: ignore[misc]


def test_a_day_runs_from_midnight_utc_to_the_next() -> None:
    last = at(2026, 11, 25, 23, 59, 59)
    assert period_bounds("DAY", last) == (at(2026, 11, 25), at(2026, 11, 26))
    assert period_bounds("DAY", at(2026, 11, 26)) == (at(2026, 11, 26), at(2026, 11, 27))
    # 01:30 at UTC+02:00 is 23:30 of the day before in UTC
    local = datetime(2026, 11, 26, 1, 30, tzinfo=timezone(timedelta(hours=2)))
    assert period_bounds("DAY", local) == (at(2026, 11, 25), at(2026, 11, 26))


def test_a_month_and_a_year_are_calendar_ones() -> None:
    assert period_bounds("MONTH", at(2026, 12, 31, 23, 59, 59, 999999)) == (
        at(2026, 12, 1),
        at(2027, 1, 1),
    )
    assert period_bounds("MONTH", at(2027, 1, 1)) == (at(2027, 1, 1), at(2027, 2, 1))
    assert period_bounds("MONTH", at(2028, 2, 29, 12)) == (at(2028, 2, 1), at(2028, 3, 1))
    assert period_bounds("YEAR", at(2028, 2, 29)) == (at(2028, 1, 1), at(2029, 1, 1))
    assert period_bounds("EVER", at(2028, 2, 29)) == (None, None)


def test_the_last_microsecond_of_a_month_belongs_to_it() -> None:
    end = at(2026, 12, 1)
    assert period_bounds("MONTH", end - US)[1] == end
    assert period_bounds("MONTH", end)[0] == end


def test_limits_in_words() -> None:
    assert Limit(3, "MONTH").words() == "at most 3 per calendar month"
    assert Limit(1, "YEAR").words() == "at most 1 per calendar year"
    assert Limit(5, "DAY").words() == "at most 5 per UTC day"
    assert Limit(1, "EVER").words() == "at most 1 in all"


def test_a_version_is_checked_and_normalized() -> None:
    types = checked(
        [
            EventType(" review ", " Product review ", 50, Limit(3, "MONTH")),
            EventType("BIRTHDAY", "Birthday", 200, Limit(1, "YEAR")),
            EventType("SURVEY_2", "Survey answer", 1_000_000),
        ]
    )
    assert types[0] == EventType("REVIEW", "Product review", 50, Limit(3, "MONTH"))
    assert [kind.code for kind in types] == ["REVIEW", "BIRTHDAY", "SURVEY_2"]
    assert checked([]) == ()


@pytest.mark.parametrize(
    ("given", "field", "words"),
    [
        (EventType("2FA", "x", 1), ["eventTypes", "0", "code"], "starting with a letter"),
        (EventType("A" * 41, "x", 1), ["eventTypes", "0", "code"], "1 to 40"),
        (EventType("OK", "", 1), ["eventTypes", "0", "name"], "1 to 80"),
        (EventType("OK", "x", 0), ["eventTypes", "0", "points"], "between 1 and 1,000,000"),
        (EventType("OK", "x", 1_000_001), ["eventTypes", "0", "points"], "between 1"),
        (EventType("OK", "x", 1, Limit(0, "DAY")), ["eventTypes", "0", "limit", "count"], "count"),
        (EventType("OK", "x", 1, Limit(1, "WEEK")), ["eventTypes", "0", "limit", "period"], "DAY"),
    ],
)
def test_bad_event_types_name_their_field(given: EventType, field: list[str], words: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        checked([given])
    assert refused.value.field == field
    assert words in refused.value.message


def test_a_code_listed_twice_is_refused_whatever_its_case() -> None:
    with pytest.raises(InvalidInput) as refused:
        checked([EventType("REVIEW", "a", 1), EventType("review", "b", 2)])
    assert refused.value.field == ["eventTypes", "1", "code"]


def test_at_most_a_hundred_types() -> None:
    assert len(checked([EventType(f"T{i}", "x", 1) for i in range(100)])) == 100
    with pytest.raises(InvalidInput):
        checked([EventType(f"T{i}", "x", 1) for i in range(101)])


def test_a_reference_is_one_to_128_printable_characters() -> None:
    assert reference("  review-881 ") == "review-881"
    assert reference("r" * 128) == "r" * 128
    for bad in ("", "   ", "r" * 129, "line\nbreak"):
        with pytest.raises(InvalidInput):
            reference(bad)
