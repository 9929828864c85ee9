"""Burn rules, pure: worked examples with real numbers, and properties of the limits."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from exchange.kit.errors import ExchangeError, InvalidAmount, InvalidInput
from exchange.ledger.errors import BurnLimitExceeded, RedemptionNotAccepted
from partners.burn_rules import checks, explain, record
from partners.burn_rules.evaluation import Limits, check, limits, usable
from partners.burn_rules.rule_sets import Limit, RuleSet, Terms, in_force

START = datetime(2026, 11, 1, tzinfo=UTC)
# The grocer: a point pays 0.01 EUR, points pay at most 20% of a basket of at least 10.00 EUR,
# and a burn uses at least 100 points.
GROCER = Terms(
    point_value=D("0.01"),
    max_basket_share=D("0.2"),
    minimum_basket=D("10.00"),
    minimum_points=100,
)


def version(terms: Terms = GROCER, number: int = 1, start: datetime = START) -> RuleSet:
    return RuleSet(id=number, partner_id=1, version=number, effective_from=start, terms=terms)


def at(basket: str | None, terms: Terms = GROCER, redemption_value: str = "0.008") -> Limits:
    return limits(
        version(terms),
        redemption_value=D(redemption_value),
        currency="EUR",
        basket=None if basket is None else D(basket),
    )


def refusal(limits: Limits, points: int) -> ExchangeError:
    with pytest.raises(ExchangeError) as raised:
        check(limits, points)
    return raised.value


def test_a_fifty_euro_basket_at_twenty_percent_takes_at_most_a_thousand_points() -> None:
    basket = at("50.00")
    assert basket.basket_cap == 1000  # 50.00 x 0.2 / 0.01
    check(basket, 1000)
    error = refusal(basket, 1001)
    assert isinstance(error, BurnLimitExceeded)
    assert error.code == "BURN_LIMIT_EXCEEDED"
    assert error.message == "at most 20% of the basket: 1000 points for 50.00 EUR"
    assert error.field == ["points"]


def test_the_cap_rounds_down_to_whole_points() -> None:
    assert at("20.00").basket_cap == 400
    assert at("20.04").basket_cap == 400  # 4.008 EUR: 400.8 points
    assert at("20.05").basket_cap == 401  # 4.01 EUR
    assert refusal(at("20.00"), 401).message == (
        "at most 20% of the basket: 400 points for 20.00 EUR"
    )


def test_the_minimum_basket_is_inclusive() -> None:
    check(at("10.00"), 200)
    error = refusal(at("9.99"), 100)
    assert (error.code, error.field) == ("BURN_LIMIT_EXCEEDED", ["basketAmount"])
    assert error.message == "a basket of at least 10.00 EUR: 9.99 EUR given"


def test_the_minimum_points_are_inclusive() -> None:
    check(at("50.00"), 100)
    error = refusal(at("50.00"), 99)
    assert (error.code, error.field) == ("BURN_LIMIT_EXCEEDED", ["points"])
    assert error.message == "at least 100 points per burn: 99 requested"


def test_a_partner_that_opts_out_accepts_no_points() -> None:
    out = at("50.00", Terms(accepts_redemption=False))
    error = refusal(out, 1)
    assert isinstance(error, RedemptionNotAccepted)
    assert error.code == "REDEMPTION_NOT_ACCEPTED"
    assert usable(out, 5000) == usable(out, 0)
    assert usable(out, 5000).points == 0
    assert usable(out, 5000).bound_by is Limit.REDEMPTION_NOT_ACCEPTED


def test_a_rule_on_the_basket_needs_the_basket() -> None:
    error = refusal(at(None), 100)
    assert (error.code, error.field) == ("INVALID_INPUT", ["basketAmount"])
    # without such a rule a burn needs no basket
    check(at(None, Terms(minimum_points=100)), 100)


def test_the_defaults_let_points_pay_the_whole_basket_at_the_redemption_value() -> None:
    plain = limits(None, redemption_value=D("0.008"), currency="EUR", basket=D("0.40"))
    assert (plain.point_value, plain.point_value_from_rule) == (D("0.008"), False)
    assert plain.basket_cap == 50
    assert refusal(plain, 51).message == "at most 100% of the basket: 50 points for 0.40 EUR"
    unbounded = replace(plain, basket=None)
    check(unbounded, 10**9)
    assert record.details(unbounded) is None


def test_the_rule_point_value_defaults_to_the_redemption_value() -> None:
    shared = at("50.00", replace(GROCER, point_value=None), redemption_value="0.02")
    assert (shared.point_value, shared.point_value_from_rule) == (D("0.02"), False)
    assert shared.basket_cap == 500


def test_usable_points_and_the_limit_that_bound_them() -> None:
    assert usable(at("50.00"), 5000) == usable(at("50.00"), 1000)
    assert usable(at("50.00"), 5000).points == 1000
    assert usable(at("50.00"), 5000).bound_by is Limit.MAX_BASKET_SHARE
    assert usable(at("50.00"), 700).points == 700
    assert usable(at("50.00"), 700).bound_by is Limit.AVAILABLE_POINTS
    assert usable(at("50.00"), 99).points == 0
    assert usable(at("50.00"), 99).bound_by is Limit.MINIMUM_POINTS
    assert usable(at("9.99"), 5000).points == 0
    assert usable(at("9.99"), 5000).bound_by is Limit.MINIMUM_BASKET
    assert usable(at("10.00"), 5000).points == 200


def test_the_quote_explains_each_limit() -> None:
    basket = at("50.00")
    steps = explain.steps(basket, usable(basket, 1200), 1200)
    assert [(s.limit, s.points, s.applied) for s in steps] == [
        (Limit.MINIMUM_BASKET, None, False),
        (Limit.MAX_BASKET_SHARE, 1000, True),
        (Limit.AVAILABLE_POINTS, 1200, False),
        (Limit.MINIMUM_POINTS, None, False),
    ]
    assert [s.message for s in steps] == [
        "a basket of 50.00 EUR: at least the minimum of 10.00 EUR",
        "at most 20% of the basket at 0.01 EUR a point: 1000 points for 50.00 EUR",
        "1200 points available",
        "at least 100 points per burn: 1000 fit",
    ]
    small = explain.steps(basket, usable(basket, 60), 60)
    assert small[-1].message == "at least 100 points per burn: the 60 that fit are too few, so none"
    low = at("5.00")
    assert explain.steps(low, usable(low, 60), 60)[0].message == (
        "a basket of 5.00 EUR: below the minimum of 10.00 EUR, so no points"
    )


def test_a_reward_is_priced_in_points_so_the_basket_rules_do_not_apply() -> None:
    reward = replace(at(None), reward=True)
    check(reward, 3999)
    assert usable(reward, 5000).points == 5000
    assert refusal(reward, 50).message == "at least 100 points per burn: 50 requested"


def test_the_burn_keeps_its_limits_and_reads_them_back() -> None:
    basket = at("50.00")
    kept = record.details(basket)
    assert kept == {
        "burnRule": {"id": 1, "version": 1, "effectiveFrom": START.isoformat()},
        "pointValue": "0.01",
        "pointValueFrom": "RULE",
        "currency": "EUR",
        "basket": "50.00",
        "maxBasketShare": "0.2",
        "maxPoints": 1000,
        "minimumBasket": "10.00",
        "minimumPoints": 100,
    }
    assert record.limits(kept) == basket
    assert record.limits(kept).value(400) == D("4.00")


def test_the_version_in_force_goes_by_effective_date() -> None:
    first = version(number=1)
    second = version(replace(GROCER, max_basket_share=D("0.5")), 2, START + timedelta(days=1))
    assert in_force([first, second], START - timedelta(seconds=1)) is None
    assert in_force([first, second], START) == first
    assert in_force([second, first], START + timedelta(days=1)) == second
    same_start = version(replace(GROCER, minimum_points=1), 3, START)
    assert in_force([first, same_start], START + timedelta(hours=1)) == same_start


def test_an_admin_version_is_checked_field_by_field() -> None:
    assert checks.terms(max_basket_share=" 0.25 ") == Terms(max_basket_share=D("0.25"))
    cases = [
        ({"max_basket_share": "0"}, InvalidInput, ["maxBasketShare"]),
        ({"max_basket_share": "1.5"}, InvalidInput, ["maxBasketShare"]),
        ({"max_basket_share": "0.12345"}, InvalidInput, ["maxBasketShare"]),
        ({"max_basket_share": "twenty"}, InvalidInput, ["maxBasketShare"]),
        ({"minimum_points": 0}, InvalidAmount, ["minimumPoints"]),
        ({"point_value": D(0)}, InvalidAmount, ["pointValue"]),
        ({"accepts_redemption": False, "minimum_points": 5}, InvalidInput, ["acceptsRedemption"]),
    ]
    for given_input, error, field in cases:
        with pytest.raises(error) as raised:
            checks.terms(**given_input)  # type: ignore[arg-type]
        assert raised.value.field == field, given_input
    assert checks.terms(accepts_redemption=False) == Terms(accepts_redemption=False)


baskets = st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2)
shares = st.decimals(min_value=D("0.0001"), max_value=D(1), places=4)
values = st.decimals(min_value=D("0.0001"), max_value=D("10"), places=4)


@given(baskets, shares, values, st.integers(min_value=0, max_value=10**8))
def test_what_the_quote_allows_a_burn_takes_and_one_more_it_refuses(
    basket: D, share: D, value: D, available: int
) -> None:
    terms = Terms(point_value=value, max_basket_share=share)
    found = at(str(basket), terms)
    most = usable(found, available)
    if most.points > 0:
        check(found, most.points)
    assert most.points <= available
    assert found.value(most.points) <= basket * share
    if most.bound_by is Limit.MAX_BASKET_SHARE:
        with pytest.raises(BurnLimitExceeded):
            check(found, most.points + 1)
