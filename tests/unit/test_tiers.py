"""Tiers and paid memberships, pure: worked examples with real numbers (Silver at 1,000 and
Gold at 5,000 qualifying points over 365 days, reviewed every 30 days with 14 days of grace).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from exchange.kit.errors import InvalidInput
from partners.earn_rules.evaluation import Multiplier, Purchase, evaluate
from partners.earn_rules.rule_sets import CategoryRate, RuleSet, Terms
from partners.rules import Line
from partners.tiers import checks, plans, reviews, standing
from partners.tiers.ladders import Ladder, Level, in_force
from partners.tiers.reviews import Outcome
from partners.tiers.standing import Source

START = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)
BLUE = Level("Blue", 0, D(1), "Welcome", 1)
SILVER = Level("Silver", 1000, D("1.25"), "Priority line", 2)
GOLD = Level("Gold", 5000, D("1.5"), "Lounge access", 3)
LADDER = Ladder(1, 1, START, (BLUE, SILVER, GOLD), 365, 30, 14)
NO_BASE = Ladder(2, 2, START, (SILVER, GOLD), 365, 30, 14)


def membership(tier: str | None, ends: datetime, *, factor: str | None = None) -> plans.Membership:
    code = "GOLD12" if tier else "DOUBLE"
    multiplier = None if factor is None else D(factor)
    return plans.Membership(1, 7, code, code, tier, multiplier, START, ends)


def test_members_are_placed_by_the_highest_threshold_their_points_reach() -> None:
    assert [LADDER.placed(points) for points in (0, 999, 1000, 4999, 5000, 10**9)] == [
        BLUE,
        BLUE,
        SILVER,
        SILVER,
        GOLD,
        GOLD,
    ]
    assert NO_BASE.placed(999) is None
    assert LADDER.above(SILVER) == GOLD and LADDER.above(GOLD) is None
    assert NO_BASE.above(None) == SILVER


def test_an_earned_tier_is_never_below_what_zero_points_give() -> None:
    assert LADDER.earned(None) == BLUE
    assert LADDER.earned("gold") == GOLD  # names match whatever their case
    assert LADDER.earned("Platinum") == BLUE  # a tier this version does not have
    assert NO_BASE.earned(None) is None


def test_the_ladder_in_force_is_the_latest_started() -> None:
    later = Ladder(3, 3, START + 30 * DAY, (SILVER,), 365, 30, 0)
    assert in_force([LADDER, later], START - DAY) is None
    assert in_force([LADDER, later], START + 29 * DAY) == LADDER
    assert in_force([LADDER, later], START + 30 * DAY) == later


def test_a_tier_multiplier_multiplies_with_a_campaign_before_the_floor_per_line() -> None:
    rules = RuleSet(
        1, 1, 1, START, Terms(base_rate=D("0.05"), category_rates=(CategoryRate("fuel", D("0.1")),))
    )
    gold = standing.standing(LADDER, earned="Gold", review_at=START + 30 * DAY, at=START)
    assert gold is not None
    tier = standing.multipliers(gold, [], START)
    assert tier == [Multiplier("tier:Gold", D("1.5"))]
    campaign = Multiplier("campaign:9", D("2"), frozenset({"fuel"}))
    basket = (Line("fuel", D("45.00")), Line("shop", D("12.50")))
    calculation = evaluate(rules, Purchase(D("57.50"), "EUR", basket), [*tier, campaign])
    # fuel: 45.00 x 0.1 x 1.5 x 2 = 13.5 -> 13; shop: 12.50 x 0.05 x 1.5 = 0.9375 -> 0
    assert [(line.multiplier, line.points) for line in calculation.lines] == [
        (D("3.0"), 13),
        (D("1.5"), 0),
    ]
    assert gold.record() == {"name": "Gold", "version": 1, "source": "EARNED", "multiplier": "1.5"}


def test_a_base_tier_of_multiplier_one_adds_no_multiplier() -> None:
    blue = standing.standing(LADDER, earned=None, review_at=None, at=START)
    assert blue is not None and blue.level == BLUE and blue.valid_until is None
    assert standing.multipliers(blue, [], START) == []


def test_the_higher_of_earned_and_paid_applies() -> None:
    paid_gold = membership("Gold", START + 365 * DAY)
    now = START + 10 * DAY
    silver = standing.standing(
        LADDER, earned="Silver", review_at=now, memberships=[paid_gold], at=now
    )
    assert silver is not None
    assert (silver.level, silver.source, silver.valid_until) == (
        GOLD,
        Source.PAID,
        paid_gold.ends_at,
    )
    after = standing.standing(
        LADDER, earned="Silver", review_at=now, memberships=[paid_gold], at=paid_gold.ends_at
    )
    assert after is not None and (after.level, after.source) == (SILVER, Source.EARNED)
    # earned Gold that lasts longer than the paid one: shown as earned
    earned = standing.standing(
        LADDER, earned="Gold", review_at=START + 400 * DAY, memberships=[paid_gold], at=now
    )
    assert earned is not None and earned.source is Source.EARNED
    assert earned.valid_until == START + 414 * DAY  # the review date plus the grace


def test_a_multiplier_membership_multiplies_while_it_runs() -> None:
    double = membership(None, START + 90 * DAY, factor="2")
    silver = standing.standing(LADDER, earned="Silver", review_at=START, at=START)
    assert standing.multipliers(silver, [double], START + DAY) == [
        Multiplier("tier:Silver", D("1.25")),
        Multiplier("membership:DOUBLE", D("2")),
    ]
    assert standing.multipliers(silver, [double], START + 90 * DAY) == [
        Multiplier("tier:Silver", D("1.25"))
    ]


def test_the_next_tier_and_the_points_to_go() -> None:
    silver = standing.standing(LADDER, earned="Silver", review_at=START, at=START)
    assert standing.next_tier(LADDER, silver, 3200) == standing.NextTier("Gold", 5000, 1800)
    gold = standing.standing(LADDER, earned="Gold", review_at=START, at=START)
    assert standing.next_tier(LADDER, gold, 7000) is None
    assert standing.next_tier(NO_BASE, None, 120) == standing.NextTier("Silver", 1000, 880)


REVIEW_AT = datetime(2026, 6, 1, tzinfo=UTC)


def review(qualifying: int, as_of: datetime, earned: str = "Gold") -> reviews.Decision:
    return reviews.review(
        LADDER, earned=earned, review_at=REVIEW_AT, qualifying=qualifying, as_of=as_of
    )


def test_a_member_still_qualifying_keeps_its_tier_until_the_next_review() -> None:
    kept = review(5000, REVIEW_AT)
    assert (kept.outcome, kept.level, kept.review_at) == (
        Outcome.KEPT,
        GOLD,
        REVIEW_AT + 30 * DAY,
    )
    late = review(6000, REVIEW_AT + 45 * DAY)  # a run that came late keeps the cadence
    assert late.review_at == REVIEW_AT + 60 * DAY


def test_a_member_below_its_threshold_is_lowered_only_once_the_grace_is_over() -> None:
    for days in (0, 1, 13):
        waiting = review(4999, REVIEW_AT + days * DAY)
        assert (waiting.outcome, waiting.level, waiting.review_at) == (
            Outcome.IN_GRACE,
            GOLD,
            REVIEW_AT,
        )
    assert review(4999, REVIEW_AT + 14 * DAY - timedelta(microseconds=1)).outcome is (
        Outcome.IN_GRACE
    )
    lowered = review(4999, REVIEW_AT + 14 * DAY)
    assert (lowered.outcome, lowered.level, lowered.review_at) == (
        Outcome.LOWERED,
        SILVER,
        REVIEW_AT + 44 * DAY,
    )
    assert lowered.changed


def test_a_late_run_counts_the_grace_from_the_last_review_date_it_missed() -> None:
    late = review(4999, REVIEW_AT + 65 * DAY)  # due on the 1st, then the 31st, then the 61st
    assert (late.outcome, late.review_at) == (Outcome.IN_GRACE, REVIEW_AT + 60 * DAY)
    assert review(4999, REVIEW_AT + 74 * DAY).outcome is Outcome.LOWERED


def test_a_member_lowered_below_every_threshold_above_zero_keeps_no_review() -> None:
    lowered = review(300, REVIEW_AT + 20 * DAY)
    assert (lowered.outcome, lowered.level, lowered.review_at) == (Outcome.LOWERED, BLUE, None)


def test_a_member_back_above_its_threshold_in_the_grace_keeps_it() -> None:
    back = review(5200, REVIEW_AT + 10 * DAY)
    assert (back.outcome, back.review_at) == (Outcome.KEPT, REVIEW_AT + 30 * DAY)


def test_a_review_may_raise_a_member_whose_points_reach_higher() -> None:
    raised = review(5000, REVIEW_AT, earned="Silver")
    assert (raised.outcome, raised.level) == (Outcome.RAISED, GOLD)


def test_a_plan_bought_again_extends_the_running_one() -> None:
    gold12 = plans.Plan("GOLD12", "Gold for 12 months", 365, D("49.00"), "EUR", tier="Gold")
    now = START + 100 * DAY
    assert plans.term(gold12, [], now) == (now, now + 365 * DAY)
    running = membership("Gold", START + 365 * DAY)
    assert plans.term(gold12, [running], now) == (running.ends_at, running.ends_at + 365 * DAY)
    ended = membership("Gold", now)
    assert plans.term(gold12, [ended], now) == (now, now + 365 * DAY)


def new_level(name: str, threshold: int, multiplier: str = "1") -> checks.NewLevel:
    return checks.NewLevel(name, threshold, D(multiplier), f"{name} benefits")


def check_ladder(*levels: checks.NewLevel, grace: int = 14) -> checks.NewLadder:
    return checks.ladder(levels, window=365 * DAY, review_every=30 * DAY, grace_days=grace)


def test_a_new_ladder_lists_tiers_from_the_lowest_threshold_up() -> None:
    done = check_ladder(new_level(" Silver ", 1000, "1.25"), new_level("Gold", 5000, "1.5"))
    assert [level.name for level in done.levels] == ["Silver", "Gold"]
    assert (done.window_days, done.review_every_days, done.grace_days) == (365, 30, 14)
    with pytest.raises(InvalidInput) as error:
        check_ladder(new_level("Gold", 5000), new_level("Silver", 1000))
    assert error.value.field == ["tiers", "1", "threshold"]
    with pytest.raises(InvalidInput) as error:
        check_ladder(new_level("Gold", 1000), new_level("gold", 5000))
    assert error.value.field == ["tiers", "1"]
    with pytest.raises(InvalidInput) as error:
        checks.ladder([], window=DAY / 2, review_every=DAY, grace_days=0)
    assert error.value.field == ["window"]
    with pytest.raises(InvalidInput) as error:
        check_ladder(new_level("Gold", 5000), grace=30)  # the grace is shorter than a period
    assert error.value.field == ["graceDays"]


@pytest.mark.parametrize("value", ["0", "-1", "100.5", "1.23456", "x", "NaN"])
def test_a_multiplier_is_a_positive_decimal_up_to_100(value: str) -> None:
    with pytest.raises(InvalidInput):
        checks.multiplier(value, ["tiers", "0", "multiplier"])


def test_a_plan_grants_a_tier_of_the_ladder_or_a_multiplier() -> None:
    tiers = {"silver": "Silver", "gold": "Gold"}
    gold = plans.Plan("gold12", "Gold for 12 months", 365, D("49.00"), "EUR", tier="GOLD")
    assert checks.plans([gold], tiers)[0].tier == "Gold"
    assert checks.plans([gold], tiers)[0].code == "GOLD12"
    platinum = plans.Plan("PLAT", "Platinum", 365, D("99.00"), "EUR", tier="Platinum")
    with pytest.raises(InvalidInput) as error:
        checks.plans([platinum], tiers)
    assert error.value.field == ["plans", "0", "tier"]
    both = plans.Plan("BOTH", "Both", 30, D("5.00"), "EUR", tier="Gold", multiplier=D(2))
    with pytest.raises(InvalidInput):
        checks.plans([both], tiers)
    with pytest.raises(InvalidInput) as error:
        checks.plans([gold, gold], tiers)
    assert error.value.field == ["plans", "1"]
