"""Campaigns, pure: the fuel station with a campaign x2 on shop goods and a tier on top, the
order of application and rounding, targeting, control groups, limits, draws and returns,
worked with real numbers (no database)."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from exchange.kit.errors import InvalidInput
from partners.campaigns import checks, control, draws, explain, limits, record, returns
from partners.campaigns.errors import (
    PromoCodeMinimumNotMet,
    PromoCodeNotActive,
    PromoCodeNotApplicable,
    PromoCodeNotFound,
)
from partners.campaigns.evaluation import Context, Evaluation, Part, evaluate
from partners.campaigns.terms import (
    Campaign,
    Chance,
    Funder,
    Kind,
    Limit,
    Limits,
    MemberView,
    Segment,
    Targets,
    Terms,
    Version,
)
from partners.earn_rules.evaluation import Multiplier, Purchase
from partners.earn_rules.evaluation import evaluate as rules
from partners.earn_rules.rule_sets import CategoryRate, RuleSet
from partners.earn_rules.rule_sets import Terms as RuleTerms
from partners.rules import Line

START = datetime(2026, 11, 1, tzinfo=UTC)
AT = START + timedelta(days=3)
FUEL = 7
FUEL_STATION = RuleSet(
    id=1,
    partner_id=FUEL,
    version=1,
    effective_from=START,
    terms=RuleTerms(
        base_rate=D("0.05"),
        category_rates=(CategoryRate("fuel", D("0.1")), CategoryRate("shop", D("0.3"))),
        excluded_categories=("gift_card",),
    ),
)
BASKET = (Line("fuel", D("45.00")), Line("shop", D("12.50")), Line("gift_card", D("20.00")))
GOLD = Multiplier("tier:Gold", D("1.5"))
SEED = bytes(range(32))


def calculation(*lines: Line, tier: Multiplier | None = GOLD):  # type: ignore[no-untyped-def]
    basket = lines or BASKET
    paid = sum((line.amount for line in basket), D(0))
    return rules(FUEL_STATION, Purchase(paid, "EUR", tuple(basket)), [tier] if tier else [])


def campaign(
    number: int,
    kind: Kind = Kind.MULTIPLIER,
    *,
    promo: str | None = None,
    version: int = 1,
    effective_from: datetime = START,
    **changes: object,
) -> Version:
    terms = Terms(
        name=f"Campaign {number}",
        kind=kind,
        starts_at=START,
        ends_at=START + timedelta(days=30),
        funder=Funder.PARTNER,
        factor=D(2) if kind is Kind.MULTIPLIER else None,
        points=None if kind is Kind.MULTIPLIER else 50,
        chance=Chance(1, 4) if kind is Kind.INSTANT_WIN else None,
        targets=Targets(partner_ids=frozenset({FUEL})),
    )
    terms = replace(terms, **changes)  # type: ignore[arg-type]
    header = Campaign(number, f"C{number}", promo, "sha", START)
    return Version(number * 10 + version, header, version, effective_from, terms)


def context(calc=None, member: MemberView | None = None, **changes: object) -> Context:  # type: ignore[no-untyped-def]
    found = Context(
        partner_id=FUEL,
        calculation=calc or calculation(),
        member=member or MemberView(1001, "Gold"),
        at=AT,
        seeds={},
        segments={},
    )
    return replace(found, **changes)  # type: ignore[arg-type]


def shop_only(**changes: object) -> Targets:
    return Targets(partner_ids=frozenset({FUEL}), categories=("shop",), **changes)  # type: ignore[arg-type]


# --- the order of application and rounding -------------------------------------------------


def test_the_fuel_station_with_a_campaign_x2_on_shop_goods_and_gold_on_top() -> None:
    calc = calculation()
    double_shop = campaign(1, targets=shop_only())

    found = evaluate([double_shop], context(calc))

    # the rules with the tier, per line, rounded down:
    #   fuel 45.00 x 0.1 x 1.5 = 6.75 -> 6; shop 12.50 x 0.3 x 1.5 = 5.625 -> 5; gift card 0
    assert [line.points for line in calc.lines] == [6, 5, 0]
    assert calc.points == 11
    # the campaign on the shop line: floor(12.50 x 0.3 x 1.5 x 2) = floor(11.25) = 11 in all,
    # so 11 - 5 = 6 more (not 2 x 5 = 10: one floor per line, after every multiplier)
    [claim] = found.claims
    assert [(p.categories, p.amount, p.points) for p in claim.parts] == [(("shop",), D("12.50"), 6)]
    assert claim.wanted == 6
    assert calc.points + claim.wanted == 17
    step = explain.quoted(claim, limits.Granted(6), "EUR")
    assert step.message == (
        "C1 v1 (Campaign 1): x2 shop 12.50 EUR +6 = 6 points, funded by the partner"
    )


def test_two_multipliers_on_a_line_add_up_to_one_floor_of_every_factor() -> None:
    calc = calculation(Line("shop", D("12.50")))
    first = campaign(1, targets=shop_only())
    second = campaign(2, factor=D("1.5"))

    found = evaluate([second, first], context(calc))

    # 12.50 x 0.3 x 1.5 = 5.625 -> 5; x2: 11.25 -> 11 (+6); x1.5 more: 16.875 -> 16 (+5)
    assert [(c.version.campaign.code, c.wanted) for c in found.claims] == [("C1", 6), ("C2", 5)]
    assert calc.points + sum(c.wanted for c in found.claims) == 16


def test_a_bonus_and_an_instant_win_are_per_purchase_on_their_qualifying_lines() -> None:
    bonus = campaign(1, Kind.BONUS, targets=shop_only(), minimum_spend=D("10.00"))
    lucky = campaign(2, Kind.INSTANT_WIN)

    found = evaluate([bonus, lucky], context())

    assert [(c.wanted, c.spend) for c in found.claims] == [(50, D("12.50")), (50, D("57.50"))]
    # a gift card (an excluded category) never qualifies
    assert found.claims[1].parts[0].categories == ("fuel", "shop")


def test_campaign_points_are_not_capped_by_the_partners_caps() -> None:
    capped = replace(FUEL_STATION, terms=replace(FUEL_STATION.terms, cap_per_transaction=8))
    calc = rules(capped, Purchase(D("57.50"), "EUR", BASKET[:2]), [GOLD])

    found = evaluate([campaign(1, targets=shop_only())], context(calc))

    assert calc.points == 8  # 6 + 5 capped at 8
    assert found.claims[0].wanted == 6  # the campaign's own: its budgets bound it


# --- who and what a campaign applies to -----------------------------------------------------


def test_a_campaign_applies_in_its_window_at_its_partners_to_its_tiers() -> None:
    ended = campaign(1, ends_at=AT)
    elsewhere = campaign(2, targets=Targets(partner_ids=frozenset({99})))
    silver = campaign(3, targets=Targets(tiers=("silver",)))
    gold = campaign(4, targets=Targets(tiers=("GOLD", "Platinum")))

    found = evaluate([ended, elsewhere, silver, gold], context())

    assert [c.version.campaign.code for c in found.claims] == ["C4"]
    assert [(s.version.campaign.code, s.reason) for s in found.skipped] == [
        ("C3", "for tiers silver only")
    ]


def test_a_version_in_force_at_the_purchase_decides() -> None:
    v1 = campaign(1)
    v2 = campaign(1, version=2, effective_from=AT - timedelta(hours=1), factor=D(3))
    v3 = campaign(1, version=3, effective_from=AT + timedelta(hours=1), ends_at=AT)

    [claim] = evaluate([v3, v1, v2], context()).claims

    assert claim.version.version == 2
    # x3 on every line: fuel floor(45.00 x 0.1 x 1.5 x 3 = 20.25) - 6, shop floor(16.875) - 5
    assert claim.wanted == (20 - 6) + (16 - 5)


def test_segments_a_list_or_an_enrolment_range() -> None:
    listed = Segment(1, "VIP", "VIPs")
    newcomers = Segment(2, "NEW", "Enrolled in November", START, START + timedelta(days=30))
    for_vips = campaign(1, targets=Targets(segment_id=1))
    for_newcomers = campaign(2, targets=Targets(segment_id=2))
    segments = {1: listed, 2: newcomers}

    vip = context(member=MemberView(5, None, START - timedelta(days=400), frozenset({1})))
    new = context(member=MemberView(6, None, START + timedelta(days=2), frozenset()))

    found = evaluate([for_vips, for_newcomers], replace(vip, segments=segments))
    assert [c.version.campaign.code for c in found.claims] == ["C1"]
    found = evaluate([for_vips, for_newcomers], replace(new, segments=segments))
    assert [c.version.campaign.code for c in found.claims] == ["C2"]
    assert found.skipped[0].reason == "the member is not in its segment"


def test_a_minimum_spend_counts_the_qualifying_lines_only() -> None:
    bonus = campaign(1, Kind.BONUS, targets=shop_only(), minimum_spend=D("12.51"))

    found = evaluate([bonus], context())

    assert found.claims == ()
    assert found.skipped[0].reason == ("its lines cost 12.50, less than its minimum spend of 12.51")
    exactly = campaign(1, Kind.BONUS, targets=shop_only(), minimum_spend=D("12.50"))
    assert evaluate([exactly], context()).claims[0].wanted == 50


def test_a_purchase_below_the_partners_minimum_gets_no_campaign() -> None:
    minimum = replace(FUEL_STATION, terms=replace(FUEL_STATION.terms, minimum_purchase=D(100)))
    calc = rules(minimum, Purchase(D("57.50"), "EUR", BASKET[:2]), [GOLD])

    found = evaluate([campaign(1, Kind.BONUS)], context(calc))

    assert found.claims == ()
    assert found.skipped[0].reason == "the purchase is below the partner's minimum purchase"


# --- the control group ---------------------------------------------------------------------


def test_the_control_group_is_the_stated_share_of_members_and_deterministic() -> None:
    held = [m for m in range(1, 20_001) if control.held_out(SEED, m, D(10))]

    assert 1800 < len(held) < 2200  # 10% of 20,000, within 5 standard deviations
    assert held == [m for m in range(1, 20_001) if control.held_out(SEED, m, D(10))]
    assert not any(control.held_out(SEED, m, D(0)) for m in range(1, 1000))
    # the rule, by hand: sha256(seed || "control:" || id), 15 hex digits, v x 100 < p x 16^15
    value = int(hashlib.sha256(SEED + b"control:7").hexdigest()[:15], 16)
    assert control.held_out(SEED, 7, D("12.5")) == (value * 100 < D("12.5") * 16**15)


def test_a_held_out_member_is_recorded_and_gets_nothing_and_later_campaigns_ignore_it() -> None:
    member = next(m for m in range(1, 1000) if control.held_out(SEED, m, D(50)))
    held = campaign(1, targets=shop_only(), control_percent=D(50))
    also = campaign(2, targets=shop_only())
    ctx = context(member=MemberView(member, "Gold"), seeds={1: SEED})

    first, second = evaluate([held, also], ctx).claims

    assert (first.held_out, first.wanted) == (True, 6)  # what it would have given
    # the x2 of campaign 2 is counted from the tier alone: floor(11.25) - 5
    assert (second.held_out, second.wanted) == (False, 6)
    assert record.claim_json(first)["heldOut"] is True


# --- promo codes ---------------------------------------------------------------------------


def test_a_promo_code_applies_only_when_presented_and_says_why_not() -> None:
    welcome = campaign(1, Kind.BONUS, promo="WELCOME", minimum_spend=D(50))
    elsewhere = campaign(2, Kind.BONUS, promo="ELSEWHERE", targets=Targets(frozenset({99})))
    expired = campaign(3, Kind.BONUS, promo="OLD", ends_at=AT - timedelta(days=1))
    shop = campaign(4, Kind.BONUS, promo="SHOP", targets=shop_only(), minimum_spend=D(20))
    offered = [welcome, elsewhere, expired, shop]

    assert evaluate(offered, context()).claims == ()
    [claim] = evaluate(offered, context(), " welcome ").claims
    assert (claim.promo, claim.wanted) == (True, 50)
    assert record.claim_json(claim)["promoCode"] == "WELCOME"
    with pytest.raises(PromoCodeNotFound):
        evaluate(offered, context(), "NOPE")
    with pytest.raises(PromoCodeNotActive):
        evaluate(offered, context(), "old")
    with pytest.raises(PromoCodeNotApplicable, match="not at this partner"):
        evaluate(offered, context(), "ELSEWHERE")
    with pytest.raises(PromoCodeMinimumNotMet, match=r"12\.50, less than its minimum spend of 20"):
        evaluate(offered, context(), "SHOP")


def test_a_promo_code_holds_no_one_out() -> None:
    member = next(m for m in range(1, 1000) if control.held_out(SEED, m, D(50)))
    code = campaign(1, Kind.BONUS, promo="X", control_percent=D(50))
    ctx = context(member=MemberView(member, None), seeds={1: SEED})

    assert evaluate([code], ctx, "X").claims[0].held_out is False


# --- limits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "wanted", "set_limits", "used", "granted"),
    [
        (Kind.BONUS, 50, Limits(), limits.Used(), limits.Granted(50)),
        # the budget is short: what remains is given, then nothing
        (
            Kind.BONUS,
            50,
            Limits(points_total=100),
            limits.Used(80),
            limits.Granted(20, Limit.POINTS_TOTAL),
        ),
        (
            Kind.BONUS,
            50,
            Limits(points_total=100),
            limits.Used(100),
            limits.Granted(0, Limit.POINTS_TOTAL),
        ),
        (
            Kind.MULTIPLIER,
            6,
            Limits(points_per_member=10),
            limits.Used(0, 0, 7),
            limits.Granted(3, Limit.POINTS_PER_MEMBER),
        ),
        (
            Kind.BONUS,
            50,
            Limits(uses_per_member=1),
            limits.Used(0, 0, 0, 1),
            limits.Granted(0, Limit.USES_PER_MEMBER),
        ),
        (
            Kind.BONUS,
            50,
            Limits(uses_total=3),
            limits.Used(0, 3),
            limits.Granted(0, Limit.USES_TOTAL),
        ),
        # a prize is whole or nothing
        (
            Kind.INSTANT_WIN,
            50,
            Limits(points_total=100),
            limits.Used(60),
            limits.Granted(0, Limit.POINTS_TOTAL),
        ),
        (Kind.INSTANT_WIN, 50, Limits(points_total=100), limits.Used(50), limits.Granted(50)),
    ],
)
def test_limits_give_what_remains(
    kind: Kind, wanted: int, set_limits: Limits, used: limits.Used, granted: limits.Granted
) -> None:
    assert limits.grant(kind, wanted, set_limits, used) == granted


# --- instant wins --------------------------------------------------------------------------


def test_a_draw_is_recheckable_from_the_seed_and_the_transaction_id() -> None:
    digest = hashlib.sha256(SEED + b"draw:VHJhbnNhY3Rpb246NDI").hexdigest()

    drawn = draws.draw(SEED, "VHJhbnNhY3Rpb246NDI", Chance(1, 4))

    assert drawn.value == digest[:15]
    assert drawn.won == (int(digest[:15], 16) * 4 < 16**15)
    assert draws.commitment(SEED) == hashlib.sha256(SEED).hexdigest()
    wins = sum(draws.draw(SEED, f"T{n}", Chance(1, 4)).won for n in range(8000))
    assert 1800 < wins < 2200  # one in four of 8,000, within 5 standard deviations


# --- returns -------------------------------------------------------------------------------


def _award(kind: Kind, points: int, *parts: tuple[tuple[str, ...], str, int]) -> record.Outcome:
    return record.Outcome(
        campaign_id=1,
        code="C1",
        version=1,
        name="C",
        kind=kind,
        funder=Funder.PARTNER,
        wanted=sum(p for _, _, p in parts),
        points=points,
        parts=tuple(Part(names, D(amount), p) for names, amount, p in parts),
    )


def _so_far(*returned: tuple[str | None, str], complete: bool = False) -> returns.Returned:
    given = [
        (D(amount), None if name is None else {"lines": [{"category": name, "amount": amount}]})
        for name, amount in returned
    ]
    return returns.returned(D("77.50"), given, complete)


def test_a_return_takes_back_the_campaign_points_of_the_returned_lines() -> None:
    double_shop = _award(Kind.MULTIPLIER, 6, (("shop",), "12.50", 6))

    assert returns.points_back(double_shop, _so_far(("fuel", "45.00")), 0) == 0
    assert returns.points_back(double_shop, _so_far(("SHOP", "5.00")), 0) == 2  # 6 x 5/12.5
    assert returns.points_back(double_shop, _so_far(("shop", "5.00"), ("shop", "7.50")), 2) == 4
    bonus = _award(Kind.BONUS, 50, (("fuel", "shop"), "57.50", 50))
    # 20 of the 57.50 of qualifying lines: floor(50 x 20/57.5) = 17
    assert returns.points_back(bonus, _so_far(("fuel", "20.00")), 0) == 17
    # by amount: 38.75 of the 77.50 paid is half of every part
    assert returns.points_back(bonus, _so_far((None, "38.75")), 0) == 25
    assert returns.points_back(bonus, _so_far((None, "1.00"), complete=True), 25) == 25


def test_a_budget_cut_award_gives_back_in_proportion_to_what_it_gave() -> None:
    # wanted 6 on shop and 14 on fuel; the budget left 10: shared 3 and 7
    cut = _award(Kind.MULTIPLIER, 10, (("shop",), "12.50", 6), (("fuel",), "45.00", 14))

    assert returns.points_back(cut, _so_far(("fuel", "45.00")), 0) == 7
    assert returns.points_back(cut, _so_far(("fuel", "45.00"), ("shop", "12.50")), 7) == 3


# --- records and checks --------------------------------------------------------------------


def test_an_outcome_reads_back_what_the_earn_recorded() -> None:
    claim = evaluate([campaign(1, Kind.INSTANT_WIN)], context()).claims[0]
    kept = {**record.claim_json(claim), "points": 50, "draw": {"value": "0ab", "won": True}}

    outcome = record.outcome(kept, entry_id=9)

    assert (outcome.kind, outcome.chance, outcome.points, outcome.entry_id) == (
        Kind.INSTANT_WIN,
        Chance(1, 4),
        50,
        9,
    )
    assert explain.recorded(outcome, "EUR").message == (
        "C1 v1 (Campaign 1): a 1 in 4 chance of 50 points on 57.50 EUR of fuel, shop:"
        " draw 0ab, won, funded by the partner"
    )


def _given(**changes: object) -> checks.Given:
    given = checks.Given(
        name="Double", kind=Kind.MULTIPLIER, starts_at=START, ends_at=AT, multiplier="2"
    )
    return replace(given, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"multiplier": "1"}, "multiplier"),
        ({"multiplier": "2.00001"}, "multiplier"),
        ({"points": 5}, "multiplier"),
        ({"kind": Kind.BONUS, "multiplier": None}, "points"),
        ({"kind": Kind.INSTANT_WIN, "multiplier": None, "points": 5}, "chance"),
        ({"kind": Kind.INSTANT_WIN, "multiplier": None, "points": 5, "chance": (2, 1)}, "chance"),
        ({"ends_at": START}, "endsAt"),
        ({"starts_at": datetime(2026, 11, 1)}, "startsAt"),
        ({"control_percent": "50.01"}, "controlGroupPercent"),
        ({"categories": [""]}, "categories"),
        ({"limits": Limits(points_total=0)}, "pointsTotal"),
    ],
)
def test_an_admins_campaign_is_checked_field_by_field(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        checks.terms(_given(**changes), promo=False)
    assert refused.value.field is not None and refused.value.field[0] == field


def test_an_instant_win_has_an_end_and_a_promo_code_no_control_group() -> None:
    lucky = _given(kind=Kind.INSTANT_WIN, multiplier=None, points=5, chance=(1, 4), ends_at=None)
    with pytest.raises(InvalidInput, match="has an end"):
        checks.terms(lucky, promo=False)
    with pytest.raises(InvalidInput, match="holds no one out"):
        checks.terms(_given(control_percent="5"), promo=True)
    assert checks.code(" welcome-10 ", "promoCode") == "WELCOME-10"
    assert checks.terms(_given(), promo=False).factor == D(2)
    assert Evaluation() == Evaluation((), ())
