"""Exchange between programs, pure: the numbers of a conversion (worked examples with real
numbers, and properties of the rounding), its limits at their boundaries, and the rule
input."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.kit.errors import InvalidAmount, InvalidInput
from partners.conversions import checks
from partners.conversions.errors import ConversionLimitExceeded, ConversionNotOffered
from partners.conversions.pricing import Priced, by_amount, by_points, check_limits
from partners.conversions.rules import Direction, RuleSet, Terms, Way, in_force

IN, OUT = Direction.IN, Direction.OUT
# SkyMiles: 1 mile = 0.8 points in; 1 point = 1.25 miles out; whole miles.
MILES_IN, MILES_OUT = D("0.8"), D("1.25")


def test_a_thousand_miles_give_800_points() -> None:
    assert by_amount(IN, MILES_IN, D("1000"), 0) == Priced(800, D("1000"))


def test_points_in_are_rounded_down() -> None:
    # 1,001 miles x 0.8 = 800.8 -> 800 points; 1,002 -> 801.6 -> 801
    assert by_amount(IN, MILES_IN, D("1001"), 0) == Priced(800, D("1001"))
    assert by_amount(IN, MILES_IN, D("1002"), 0) == Priced(801, D("1002"))


def test_asking_for_points_in_takes_the_fewest_miles_that_give_them() -> None:
    # 800 points need exactly 1,000 miles; 801 need 1,001.25 -> 1,002 miles, which give 801
    assert by_points(IN, MILES_IN, 800, 0) == Priced(800, D("1000"))
    assert by_points(IN, MILES_IN, 801, 0) == Priced(801, D("1002"))
    # at 0.3 points a mile, 100 points need 333.33 -> 334 miles, which give 100.2 -> 100
    assert by_points(IN, D("0.3"), 100, 0) == Priced(100, D("334"))


def test_points_out_are_miles_rounded_down() -> None:
    # 1,000 points x 1.25 = 1,250 miles; 1,001 -> 1,251.25 -> 1,251 miles
    assert by_points(OUT, MILES_OUT, 1000, 0) == Priced(1000, D("1250"))
    assert by_points(OUT, MILES_OUT, 1001, 0) == Priced(1001, D("1251"))


def test_asking_for_miles_out_takes_the_fewest_points_that_give_them() -> None:
    # 1,250 miles need 1,000 points; 1,251 need 1,000.8 -> 1,001 points (1,251.25 -> 1,251)
    assert by_amount(OUT, MILES_OUT, D("1250"), 0) == Priced(1000, D("1250"))
    assert by_amount(OUT, MILES_OUT, D("1251"), 0) == Priced(1001, D("1251"))
    # 1,252 miles need 1,001.6 -> 1,002 points, which give 1,252.5 -> 1,252 miles
    assert by_amount(OUT, MILES_OUT, D("1252"), 0) == Priced(1002, D("1252"))


def test_a_currency_with_cents() -> None:
    # a hotel program in credits with 2 decimals, 1 point = 0.0333 credits out
    assert by_points(OUT, D("0.0333"), 1000, 2) == Priced(1000, D("33.30"))
    assert by_points(OUT, D("0.0333"), 1001, 2) == Priced(1001, D("33.33"))  # 33.3333
    assert by_amount(IN, D("30"), D("0.05"), 2) == Priced(1, D("0.05"))  # 1.5 -> 1


def test_too_little_to_give_anything_is_refused() -> None:
    with pytest.raises(InvalidAmount) as refused:
        by_amount(IN, MILES_IN, D("1"), 0)  # 0.8 points
    assert refused.value.field == ["amount"]
    with pytest.raises(InvalidAmount):
        by_points(OUT, D("0.5"), 1, 0)  # half a mile


@given(
    rate=st.decimals(min_value=D("0.000001"), max_value=D("1000"), places=6),
    points=st.integers(min_value=1, max_value=10**9),
    decimals=st.integers(min_value=0, max_value=4),
)
def test_asked_points_in_are_reached_with_the_least_amount(
    rate: D, points: int, decimals: int
) -> None:
    priced = by_points(IN, rate, points, decimals)
    unit = Fraction(1, 10**decimals)
    assert priced.points == math.floor(Fraction(priced.amount) * Fraction(rate)) >= points
    assert math.floor((Fraction(priced.amount) - unit) * Fraction(rate)) < points


@given(
    rate=st.decimals(min_value=D("0.01"), max_value=D("1000"), places=6),
    amount=st.integers(min_value=1, max_value=10**9),
)
def test_asked_miles_out_are_reached_with_the_fewest_points(rate: D, amount: int) -> None:
    priced = by_amount(OUT, rate, D(amount), 0)
    assert priced.amount == math.floor(priced.points * Fraction(rate)) >= amount
    assert (priced.points - 1) * Fraction(rate) < amount


WAY = Way(offered=True, rate=MILES_IN, minimum_points=100, maximum_points=5000, daily_points=8000)


def test_the_limits_at_their_boundaries() -> None:
    check_limits(WAY, IN, 100, converted_today=0, field="points")
    check_limits(WAY, IN, 5000, converted_today=3000, field="points")  # 8,000 today
    with pytest.raises(ConversionLimitExceeded, match="at least 100 points per conversion: 99"):
        check_limits(WAY, IN, 99, converted_today=0, field="points")
    with pytest.raises(ConversionLimitExceeded, match="at most 5000 points per conversion"):
        check_limits(WAY, IN, 5001, converted_today=0, field="amount")
    with pytest.raises(ConversionLimitExceeded, match="a day this way: 2999 left today") as day:
        check_limits(WAY, IN, 3000, converted_today=5001, field="amount")
    assert day.value.field == ["amount"]


def test_a_way_not_offered_is_refused() -> None:
    with pytest.raises(ConversionNotOffered, match="out of points is not offered"):
        check_limits(Way(), OUT, 1, converted_today=0, field="points")


def test_the_version_in_force() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    first = RuleSet(1, 1, 1, start, Terms(into=WAY))
    second = RuleSet(2, 1, 2, start + timedelta(days=1), Terms())
    assert in_force([first, second], start - timedelta(seconds=1)) is None
    assert in_force([first, second], start + timedelta(hours=23)) == first
    assert in_force([first, second], start + timedelta(days=1)) == second


def test_rule_input_is_checked_field_by_field() -> None:
    assert checks.currency_code(" sky ") == "SKY"
    assert checks.rate("0.8", ["in", "rate"]) == D("0.8")
    for bad, error in (("0", InvalidAmount), ("0.1234567", InvalidAmount), ("x", InvalidAmount)):
        with pytest.raises(error) as refused:
            checks.rate(bad, ["out", "rate"])
        assert refused.value.field == ["out", "rate"]
    with pytest.raises(InvalidInput) as refused:
        checks.way(
            "in",
            offered=True,
            rate_text=None,
            minimum_points=None,
            maximum_points=None,
            daily_points=None,
        )
    assert refused.value.field == ["in", "rate"]
    with pytest.raises(InvalidInput, match="minimumPoints may not be above maximumPoints"):
        checks.way(
            "out",
            offered=True,
            rate_text="1",
            minimum_points=10,
            maximum_points=9,
            daily_points=None,
        )
    with pytest.raises(InvalidInput):
        checks.currency_code("1SKY")
    assert checks.amount("1000", 0) == D("1000")
    with pytest.raises(InvalidAmount, match="at most 0 decimals"):
        checks.amount("1000.5", 0)
