"""Worked examples for money parsing and the flat earn rule."""

from decimal import Decimal

import pytest

from exchange.kit.errors import InvalidAmount, NotFound, UnsupportedCurrency
from exchange.kit.ids import expect_global_id, from_global_id, to_global_id
from exchange.kit.money import check_points, parse_money, round_to_minor
from partners.rules import Line, earn_points


def test_money_keeps_the_currency_minor_unit() -> None:
    money = parse_money("12.5", "eur", program_currency="EUR")
    assert money.amount == Decimal("12.50") and money.currency == "EUR"
    assert money.as_json() == {"amount": "12.50", "currency": "EUR"}


@pytest.mark.parametrize("amount", ["1.001", "0", "-5", "abc", "NaN", "Infinity", "1e12", ""])
def test_bad_amounts_are_refused(amount: str) -> None:
    with pytest.raises(InvalidAmount):
        parse_money(amount, "EUR", program_currency="EUR")


@pytest.mark.parametrize("currency", ["USD", "XYZ", "", "euro"])
def test_other_currencies_are_refused(currency: str) -> None:
    with pytest.raises(UnsupportedCurrency):
        parse_money("10.00", currency, program_currency="EUR")


def test_half_even_rounding_at_the_edge() -> None:
    assert round_to_minor(Decimal("0.125"), "EUR") == Decimal("0.12")
    assert round_to_minor(Decimal("0.135"), "EUR") == Decimal("0.14")
    assert round_to_minor(Decimal("10.5"), "JPY") == Decimal("10")


@pytest.mark.parametrize("points", [0, -1, 2**31])
def test_points_out_of_range(points: int) -> None:
    with pytest.raises(InvalidAmount):
        check_points(points)


def test_points_in_range() -> None:
    assert check_points(2**31 - 1) == 2**31 - 1


def test_flat_rate_rounds_down_per_line() -> None:
    # A fuel station at 1 point per EUR: 40.99 of fuel and 3.99 of coffee earn 40 + 3.
    lines = [Line("fuel", Decimal("40.99")), Line("shop", Decimal("3.99"))]
    result = earn_points(Decimal("44.98"), lines, Decimal("1"))
    assert [line.points for line in result] == [40, 3]


def test_no_lines_is_one_line_for_the_whole_amount() -> None:
    [line] = earn_points(Decimal("44.98"), [], Decimal("1"))
    assert line.points == 44
    [line] = earn_points(Decimal("99.99"), [], Decimal("0.1"))
    assert line.points == 9


def test_lines_may_not_exceed_what_was_paid() -> None:
    with pytest.raises(InvalidAmount):
        earn_points(Decimal("10"), [Line("a", Decimal("6")), Line("b", Decimal("5"))], Decimal(1))


def test_global_ids_round_trip_and_refuse_garbage() -> None:
    gid = to_global_id("Member", 42)
    assert from_global_id(gid) == ("Member", 42)
    assert expect_global_id(gid, "Member") == 42
    for bad in ["", "!!!", to_global_id("Hold", 42), "TWVtYmVyOg", "TWVtYmVyOi0x"]:
        with pytest.raises(NotFound):
            expect_global_id(bad, "Member")
