"""Earn rules, pure: worked examples with real numbers, and properties of caps and returns."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.kit.errors import InvalidAmount, InvalidInput
from exchange.ledger.errors import AmountExceedsOriginal
from partners.earn_rules import caps, checks, explain, record, returns
from partners.earn_rules.evaluation import Multiplier, Purchase, evaluate, with_daily_cap
from partners.earn_rules.rule_sets import CategoryRate, Rule, RuleSet, Terms, in_force
from partners.rules import Line

START = datetime(2026, 11, 1, tzinfo=UTC)

# The fuel station: 1 point per 10 EUR on fuel, 3 per 10 EUR on shop goods, gift cards earn
# nothing; other goods at the base rate of 1 point per 20 EUR.
FUEL_STATION = Terms(
    base_rate=D("0.05"),
    category_rates=(CategoryRate("fuel", D("0.1")), CategoryRate("shop", D("0.3"))),
    excluded_categories=("gift_card",),
)
BASKET = (Line("fuel", D("45.00")), Line("shop", D("12.50")), Line("gift_card", D("20.00")))


def version(terms: Terms = FUEL_STATION, number: int = 1, start: datetime = START) -> RuleSet:
    return RuleSet(id=number, partner_id=1, version=number, effective_from=start, terms=terms)


def terms(**changes: object) -> Terms:
    return replace(FUEL_STATION, **changes)  # type: ignore[arg-type]


def purchase(amount: str, *lines: Line) -> Purchase:
    return Purchase(D(amount), "EUR", tuple(lines))


def test_the_fuel_station_basket_earns_seven_points() -> None:
    calculation = evaluate(version(), purchase("77.50", *BASKET))

    assert [(line.rule, line.rate, line.points) for line in calculation.lines] == [
        (Rule.CATEGORY_RATE, D("0.1"), 4),  # 45.00 x 0.1 = 4.5
        (Rule.CATEGORY_RATE, D("0.3"), 3),  # 12.50 x 0.3 = 3.75
        (Rule.EXCLUDED_CATEGORY, D(0), 0),
    ]
    assert calculation.points == 7
    assert [step.message for step in explain.steps(calculation)] == [
        "fuel 45.00 EUR x 0.1 (the fuel rate) = 4.5, rounded down: 4 points",
        "shop 12.50 EUR x 0.3 (the shop rate) = 3.75, rounded down: 3 points",
        "gift_card 20.00 EUR: an excluded category, 0 points",
    ]


def test_other_categories_earn_the_base_rate_and_match_whatever_the_case() -> None:
    calculation = evaluate(
        version(), purchase("30.00", Line("Coffee", D("10.00")), Line("FUEL", D("20.00")))
    )
    assert [(line.rule, line.points) for line in calculation.lines] == [
        (Rule.BASE_RATE, 0),  # 10.00 x 0.05 = 0.5
        (Rule.CATEGORY_RATE, 2),
    ]


def test_each_line_is_rounded_down_on_its_own() -> None:
    # 3 x 6.66 of shop goods at 0.3: 1.998 each, so 1 + 1 + 1, where 19.98 at once gives 5
    calculation = evaluate(version(), purchase("19.98", *[Line("shop", D("6.66"))] * 3))
    assert [line.points for line in calculation.lines] == [1, 1, 1]
    assert evaluate(version(), purchase("19.98", Line("shop", D("19.98")))).points == 5


def test_no_lines_is_the_whole_amount_at_the_base_rate() -> None:
    [line] = evaluate(version(), purchase("99.99")).lines
    assert (line.category, line.rule, line.points) == ("purchase", Rule.BASE_RATE, 4)


def test_what_no_line_covers_earns_nothing_and_lines_may_not_exceed_the_payment() -> None:
    assert evaluate(version(), purchase("100.00", Line("fuel", D("45.00")))).points == 4
    with pytest.raises(InvalidAmount):
        evaluate(version(), purchase("50.00", *BASKET))


@pytest.mark.parametrize(("amount", "points"), [("9.99", 0), ("10.00", 1), ("10.01", 1)])
def test_minimum_purchase_boundary(amount: str, points: int) -> None:
    rules = version(terms(minimum_purchase=D("10.00")))
    calculation = evaluate(rules, purchase(amount, Line("fuel", D(amount))))
    assert calculation.points == points
    first = explain.steps(calculation)[0]
    assert first.rule is Rule.MINIMUM_PURCHASE
    assert first.applied == (points == 0)


def test_below_the_minimum_every_line_says_why() -> None:
    rules = version(terms(minimum_purchase=D("10.00")))
    calculation = evaluate(rules, purchase("9.99", Line("shop", D("9.99"))))
    assert [step.message for step in explain.steps(calculation)] == [
        "9.99 EUR paid: below the minimum purchase of 10.00 EUR, so no line earns points",
        "shop 9.99 EUR: below the minimum purchase, 0 points",
    ]


@pytest.mark.parametrize(
    ("fuel", "points", "capped"), [("500.00", 50, False), ("510.00", 50, True)]
)
def test_cap_per_transaction_boundary(fuel: str, points: int, capped: bool) -> None:
    rules = version(terms(cap_per_transaction=50))
    calculation = evaluate(rules, purchase(fuel, Line("fuel", D(fuel))))
    assert calculation.points_before_caps == int(D(fuel) / 10)
    assert calculation.points == points
    cap = explain.steps(calculation)[-1]
    assert (cap.rule, cap.applied, cap.points) == (Rule.CAP_PER_TRANSACTION, capped, 50)


def test_a_capped_purchase_shares_its_points_over_the_lines() -> None:
    # 40 + 30 = 70 points capped at 50: 28.57 and 21.43 -> 28 + 21 = 49, the point left over
    # goes to the larger remainder (fuel: 0.57)
    rules = version(terms(cap_per_transaction=50))
    calculation = evaluate(
        rules, purchase("500.00", Line("fuel", D("400.00")), Line("shop", D("100.00")))
    )
    assert calculation.granted == (29, 21)


def test_multipliers_multiply_before_the_floor() -> None:
    gold = Multiplier("tier:GOLD", D("1.5"))
    calculation = evaluate(version(), purchase("77.50", *BASKET), [gold])
    # 45.00 x 0.1 x 1.5 = 6.75 -> 6; 12.50 x 0.3 x 1.5 = 5.625 -> 5; gift card still 0
    assert [line.points for line in calculation.lines] == [6, 5, 0]
    messages = [step.message for step in explain.steps(calculation)]
    assert messages[0] == "x1.5 (tier:GOLD) on every line"
    assert (
        messages[2] == "shop 12.50 EUR x 0.3 (the shop rate) x 1.5 = 5.625, rounded down: 5 points"
    )


def test_a_multiplier_may_apply_to_some_categories_only() -> None:
    double_shop = Multiplier("campaign:7", D("2"), frozenset({"shop"}))
    calculation = evaluate(version(), purchase("77.50", *BASKET), [double_shop])
    assert [line.points for line in calculation.lines] == [4, 7, 0]  # 12.50 x 0.3 x 2 = 7.5


def test_the_daily_cap_lets_through_what_is_left_of_the_day() -> None:
    calculation = evaluate(version(terms(cap_per_member_per_day=100)), purchase("77.50", *BASKET))
    assert with_daily_cap(calculation, 100, 93).points == 7
    assert with_daily_cap(calculation, 100, 95).points == 5
    assert with_daily_cap(calculation, 100, 100).points == 0
    assert with_daily_cap(calculation, 100, 120).points == 0  # the cap was lowered later
    step = explain.steps(with_daily_cap(calculation, 100, 95))[-1]
    assert step.message == (
        "95 points earned at this partner earlier that day (UTC); the cap of 100 points a day"
        " leaves 5: 5 of 7 points"
    )


def test_the_day_is_the_utc_day() -> None:
    at = datetime.fromisoformat("2026-11-23T23:30:00-02:00")
    assert caps.day_bounds(at) == (
        datetime(2026, 11, 24, tzinfo=UTC),
        datetime(2026, 11, 25, tzinfo=UTC),
    )


def test_the_version_in_force_is_the_latest_started() -> None:
    first, second = version(number=1), version(number=2, start=datetime(2026, 12, 1, tzinfo=UTC))
    third = version(number=3, start=datetime(2026, 11, 20, tzinfo=UTC))
    versions = [first, second, third]
    assert in_force(versions, datetime(2026, 10, 31, tzinfo=UTC)) is None
    assert in_force(versions, datetime(2026, 11, 19, tzinfo=UTC)) == first
    assert in_force(versions, datetime(2026, 11, 30, tzinfo=UTC)) == third
    assert in_force(versions, datetime(2026, 12, 1, tzinfo=UTC)) == second
    same_start = version(number=4, start=second.effective_from)
    assert in_force([*versions, same_start], datetime(2026, 12, 2, tzinfo=UTC)) == same_start


def test_the_record_reads_back_to_the_same_numbers_and_words() -> None:
    rules = version(terms(minimum_purchase=D("10.00"), cap_per_transaction=50))
    calculation = evaluate(rules, purchase("77.50", *BASKET), [Multiplier("tier:GOLD", D("1.5"))])
    calculation = with_daily_cap(calculation, 100, 95)
    kept = record.details(calculation)
    kept["dailyCap"] = {"limit": 100, "earnedBefore": 95, "points": 5}  # as the earn adds it
    back = record.calculation(kept, amount=D("77.50"), currency="EUR")
    assert back == calculation
    assert explain.steps(back) == explain.steps(calculation)


def test_an_earn_from_before_rule_versions_reads_as_a_flat_rate() -> None:
    kept = {"rate": "1", "lines": [{"category": "fuel", "amount": "40.99", "points": 40}]}
    back = record.calculation(kept, amount=D("40.99"), currency="EUR")
    assert (back.version, back.points, back.lines[0].rate) == (None, 40, D(1))


def fuel_station_earn() -> returns.Calculation:
    return evaluate(version(), purchase("77.50", *BASKET))


def test_returning_a_line_takes_back_its_points_at_its_rate() -> None:
    calculation = fuel_station_earn()
    back = returns.points_back(calculation, {}, [Line("shop", D("12.50"))])
    assert back.points == 3
    assert returns.points_back(calculation, {}, [Line("gift_card", D("20.00"))]).points == 0
    assert returns.points_back(calculation, {}, list(BASKET)).points == 7


def test_partial_returns_of_a_line_add_up_to_its_points() -> None:
    calculation = fuel_station_earn()
    first = returns.points_back(calculation, {}, [Line("fuel", D("20.00"))])
    assert first.points == 2  # floor(20.00 x 0.1)
    before = returns.returned_before([first.details()])
    assert before == {"fuel": D("20.00")}
    assert returns.points_back(calculation, before, [Line("fuel", D("25.00"))]).points == 2
    with pytest.raises(AmountExceedsOriginal) as refused:
        returns.points_back(calculation, before, [Line("fuel", D("25.01"))])
    assert refused.value.field == ["lines", "0", "amount"]


def test_a_line_the_purchase_did_not_have_is_refused() -> None:
    with pytest.raises(AmountExceedsOriginal) as refused:
        returns.points_back(fuel_station_earn(), {}, [Line("tyres", D("1.00"))])
    assert refused.value.field == ["lines", "0", "category"]


def test_a_capped_purchase_comes_back_in_proportion() -> None:
    rules = version(terms(cap_per_transaction=50))
    calculation = evaluate(
        rules, purchase("500.00", Line("fuel", D("400.00")), Line("shop", D("100.00")))
    )
    # fuel kept 29 of its 40: returning half of it takes floor(200 x 0.1 x 29/40) = 14
    assert returns.points_back(calculation, {}, [Line("fuel", D("200.00"))]).points == 14
    assert returns.points_back(calculation, {}, [Line("shop", D("100.00"))]).points == 21


@given(st.integers(0, 500), st.lists(st.integers(0, 10_000), min_size=1, max_size=8))
def test_allocation_adds_up_and_never_gives_a_part_more(total: int, parts: list[int]) -> None:
    total = min(total, sum(parts))
    shared = caps.allocate(total, parts)
    assert sum(shared) == total
    assert all(0 <= share <= part for share, part in zip(shared, parts, strict=True))


amounts = st.integers(1, 50_000).map(lambda cents: D(cents) / 100)


def piece_of(line: Line, pieces: int, piece: int) -> Line:
    """One of ``pieces`` returns of the line, in cents; the last one takes the rest."""
    share = (line.amount / pieces).quantize(D("0.01"))
    last = line.amount - share * (pieces - 1)
    return Line(line.category, last if piece == pieces - 1 else share)


@given(
    st.lists(
        st.tuples(st.sampled_from(["fuel", "shop", "gift_card", "other"]), amounts),
        min_size=1,
        max_size=6,
    ),
    st.integers(1, 80),
    st.integers(2, 5),
)
def test_returning_everything_in_pieces_takes_back_exactly_the_points(
    lines: list[tuple[str, D]], cap: int, pieces: int
) -> None:
    basket = [Line(category, amount) for category, amount in lines]
    total = sum((line.amount for line in basket), D(0))
    calculation = evaluate(version(terms(cap_per_transaction=cap)), purchase(str(total), *basket))
    taken, earlier = 0, []
    for piece in range(pieces):
        share = [piece_of(line, pieces, piece) for line in basket]
        back = returns.points_back(calculation, returns.returned_before(earlier), share)
        taken += back.points
        earlier.append(back.details())
        assert taken <= calculation.points
    assert taken == calculation.points


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"base_rate": "abc"}, ["baseRate"]),
        ({"base_rate": "-1"}, ["baseRate"]),
        ({"base_rate": "0.1234567"}, ["baseRate"]),
        ({"category_rates": [("fuel", "0.1"), ("shop", "1e9")]}, ["categoryRates", "1", "rate"]),
        (
            {"category_rates": [("fuel", "0.1"), ("FUEL", "0.2")]},
            ["categoryRates", "1", "category"],
        ),
        ({"category_rates": [(" ", "0.1")]}, ["categoryRates", "0", "category"]),
        (
            {"category_rates": [("fuel", "0.1")], "excluded_categories": ["Fuel"]},
            ["excludedCategories", "0"],
        ),
        ({"excluded_categories": ["x" * 65]}, ["excludedCategories", "0"]),
        ({"cap_per_transaction": 0}, ["capPerTransaction"]),
        ({"cap_per_member_per_day": 2**31}, ["capPerMemberPerDay"]),
    ],
)
def test_bad_rules_are_refused_with_the_field_at_fault(
    changes: dict[str, object], field: list[str]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        checks.terms(**{"base_rate": "0.05", **changes})  # type: ignore[arg-type]
    assert refused.value.field == field


def test_good_rules_are_kept_as_written() -> None:
    checked = checks.terms(
        base_rate=" 0.05 ",
        category_rates=[("fuel", "0.1"), ("shop", "0.3")],
        excluded_categories=["gift_card", "GIFT_CARD"],
        cap_per_member_per_day=100,
    )
    assert checked == Terms(
        base_rate=D("0.05"),
        category_rates=FUEL_STATION.category_rates,
        excluded_categories=("gift_card",),
        cap_per_member_per_day=100,
    )
