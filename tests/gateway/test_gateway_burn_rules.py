"""Burn rules over GraphQL: setBurnRules versions, burnQuote and the burns it describes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from burn_rules_support import (
    RULES,
    burn_input,
    earn,
    entry,
    eur,
    partner_gid,
    quote,
    rules_input,
    set_rules,
)
from gateway_support import TX_FIELDS, new_key, row_counts

from exchange.kit import clock

GROCER = {"pointValue": eur("0.01"), "maxBasketShare": "0.2", "minimumPoints": 100}


async def rich_member(api, make_partner, make_member, points_amount: str = "100.00"):
    """A partner earning 20 points per EUR, its till, and a member with 2,000 points."""
    partner = await make_partner(earn_rate="20", redemption_value="0.008")
    till = api(partner.key.secret)
    member = await make_member(partner)
    await earn(till, member, points_amount)
    return partner, till, member


async def test_the_quote_says_what_a_burn_then_takes(admin, api, make_partner, make_member, pool):
    partner, till, member = await rich_member(api, make_partner, make_member)
    await set_rules(admin, partner.code, **GROCER)

    found = await quote(till, member, "50.00")
    assert found == {
        "maxPoints": 1000,
        "value": eur("10.00"),
        "pointValue": {"amount": "0.01"},
        "availableBalance": 2000,
        "boundBy": "MAX_BASKET_SHARE",
        "ruleVersion": 1,
        "steps": [
            {
                "limit": "MAX_BASKET_SHARE",
                "message": "at most 20% of the basket at 0.01 EUR a point: 1000 points for"
                " 50.00 EUR",
                "points": 1000,
                "applied": True,
            },
            {
                "limit": "AVAILABLE_POINTS",
                "message": "2000 points available",
                "points": 2000,
                "applied": False,
            },
            {
                "limit": "MINIMUM_POINTS",
                "message": "at least 100 points per burn: 1000 fit",
                "points": None,
                "applied": False,
            },
        ],
    }
    before = await row_counts(pool)
    error = await till.refused("burnPoints", burn_input(member, 1001, "50.00"))
    assert error == {
        "code": "BURN_LIMIT_EXCEEDED",
        "field": ["points"],
        "message": "at most 20% of the basket: 1000 points for 50.00 EUR",
    }
    assert await row_counts(pool) == before
    burned = await till.ok("burnPoints", burn_input(member, 1000, "50.00"), TX_FIELDS)
    assert burned["transaction"]["points"] == 1000
    assert (await quote(till, member, "50.00"))["maxPoints"] == 1000  # 1,000 left
    assert (await quote(till, member, "100.00"))["boundBy"] == "AVAILABLE_POINTS"


async def test_a_burn_records_its_rules_and_a_refund_keeps_them(
    admin, api, make_partner, make_member, pool
):
    partner, till, member = await rich_member(api, make_partner, make_member)
    rules = await set_rules(admin, partner.code, **GROCER)
    burned = await till.ok("burnPoints", burn_input(member, 400, "20.00"), TX_FIELDS)
    burn = await entry(pool, burned["transaction"]["id"])
    assert burn["details"] == {
        "burnRule": {
            "id": burn["details"]["burnRule"]["id"],
            "version": 1,
            "effectiveFrom": datetime.fromisoformat(rules["effectiveFrom"]).isoformat(),
        },
        "pointValue": "0.01",
        "pointValueFrom": "RULE",
        "currency": "EUR",
        "basket": "20.00",
        "maxBasketShare": "0.2",
        "maxPoints": 400,
        "minimumPoints": 100,
    }
    assert burn["redemption_value"] == Decimal("0.008")  # what settlement pays stays
    await set_rules(admin, partner.code, maxBasketShare="0.05")
    refunded = await till.ok(
        "refundBurn",
        {
            "transactionId": burned["transaction"]["id"],
            "points": 150,
            "idempotencyKey": new_key(),
        },
        TX_FIELDS,
    )
    refund = await entry(pool, refunded["transaction"]["id"])
    assert refund["details"] == burn["details"]


async def test_versions_take_effect_by_effective_from(
    admin, api, make_partner, make_member, monkeypatch
):
    partner, till, member = await rich_member(api, make_partner, make_member)
    later = datetime.now(UTC) + timedelta(hours=1)
    await set_rules(admin, partner.code, **GROCER)
    second = await set_rules(
        admin, partner.code, effectiveFrom=later.isoformat(), maxBasketShare="0.5"
    )
    assert (second["version"], second["maxBasketShare"]) == (2, "0.5")
    assert second["pointValue"] is None  # the redemption value in force, 0.008

    assert (await quote(till, member, "40.00"))["maxPoints"] == 800  # 20% at 0.01
    monkeypatch.setattr(clock, "now", lambda: later)
    moved = await quote(till, member, "40.00")
    assert (moved["ruleVersion"], moved["maxPoints"]) == (2, 2000)  # 50% at 0.008 is 2,500
    assert moved["boundBy"] == "AVAILABLE_POINTS"

    shown = await till.data(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Partner {{ {RULES} }} }} }}",
        {"id": partner_gid(partner)},
    )
    assert [rules["version"] for rules in shown["node"]["burnRules"]] == [2, 1]


async def test_only_staff_and_the_partner_itself_see_the_versions(admin, api, make_partner):
    partner, stranger = await make_partner(), await make_partner()
    await set_rules(admin, partner.code, minimumPoints=50)
    query = f"query($id: ID!) {{ node(id: $id) {{ ... on Partner {{ {RULES} }} }} }}"
    variables = {"id": partner_gid(partner)}
    own = await api(partner.key.secret).data(query, variables)
    assert [rules["minimumPoints"] for rules in own["node"]["burnRules"]] == [50]
    staff = await admin.data(query, variables)
    assert staff == own
    other = await api(stranger.key.secret).data(query, variables)
    assert other["node"] is None or other["node"]["burnRules"] is None
    refused = await api(partner.key.secret).call(
        "mutation($i: SetBurnRulesInput!) { setBurnRules(input: $i) { userErrors { code } } }",
        {"i": rules_input(partner.code, minimumPoints=1)},
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_set_burn_rules_is_idempotent(admin, make_partner):
    partner = await make_partner()
    given = rules_input(partner.code, maxBasketShare="0.3")
    first = await admin.ok("setBurnRules", given, RULES)
    again = await admin.ok("setBurnRules", given, RULES)
    assert again == first
    assert again["burnRules"]["version"] == 1
    conflict = await admin.refused("setBurnRules", {**given, "maxBasketShare": "0.4"})
    assert (conflict["code"], conflict["field"]) == ("IDEMPOTENCY_CONFLICT", ["idempotencyKey"])


async def test_a_rule_on_the_basket_needs_the_basket(admin, api, make_partner, make_member):
    partner, till, member = await rich_member(api, make_partner, make_member)
    await set_rules(admin, partner.code, minimumBasket=eur("10.00"))
    error = await till.refused("burnPoints", burn_input(member, 100))
    assert (error["code"], error["field"]) == ("INVALID_INPUT", ["basketAmount"])
    low = await till.refused("authorizeBurn", burn_input(member, 100, "9.99"))
    assert low == {
        "code": "BURN_LIMIT_EXCEEDED",
        "field": ["basketAmount"],
        "message": "a basket of at least 10.00 EUR: 9.99 EUR given",
    }
    assert (await quote(till, member, "9.99"))["boundBy"] == "MINIMUM_BASKET"
    await till.ok("burnPoints", burn_input(member, 100, "10.00"), "__typename")


async def test_a_partner_that_opts_out_accepts_no_points(
    admin, api, make_partner, make_member, pool
):
    partner, till, member = await rich_member(api, make_partner, make_member)
    await set_rules(admin, partner.code, acceptsRedemption=False)
    before = await row_counts(pool)
    for mutation in ("burnPoints", "authorizeBurn"):
        error = await till.refused(mutation, burn_input(member, 10, "50.00"))
        assert error["code"] == "REDEMPTION_NOT_ACCEPTED", mutation
    assert await row_counts(pool) == before
    found = await quote(till, member, "50.00")
    assert (found["maxPoints"], found["boundBy"]) == (0, "REDEMPTION_NOT_ACCEPTED")


async def test_without_rules_points_pay_at_most_the_whole_basket(api, make_partner, make_member):
    _, till, member = await rich_member(api, make_partner, make_member)
    assert (await quote(till, member, "0.40"))["maxPoints"] == 50  # at 0.008 a point
    error = await till.refused("burnPoints", burn_input(member, 51, "0.40"))
    assert error["message"] == "at most 100% of the basket: 50 points for 0.40 EUR"
    await till.ok("burnPoints", burn_input(member, 50, "0.40"), "__typename")
    await till.ok("burnPoints", burn_input(member, 1500), "__typename")  # no basket: no cap


async def test_a_capture_burns_under_the_rules_of_its_hold(
    admin, api, make_partner, make_member, pool
):
    partner, till, member = await rich_member(api, make_partner, make_member)
    await set_rules(admin, partner.code, **GROCER)
    too_many = await till.refused("authorizeBurn", burn_input(member, 1001, "50.00"))
    assert too_many["code"] == "BURN_LIMIT_EXCEEDED"
    held = await till.ok("authorizeBurn", burn_input(member, 600, "50.00"), "hold { id }")
    hold_id = held["hold"]["id"]
    await set_rules(admin, partner.code, maxBasketShare="0.01", minimumPoints=500)

    def capture(points: int) -> dict[str, object]:
        return {"holdId": hold_id, "points": points, "idempotencyKey": new_key()}

    error = await till.refused("captureBurn", capture(99))
    assert error == {
        "code": "BURN_LIMIT_EXCEEDED",
        "field": ["points"],
        "message": "at least 100 points per burn: 99 requested",
    }
    captured = await till.ok("captureBurn", capture(300), TX_FIELDS)  # the hold's rules: v1
    burn = await entry(pool, captured["transaction"]["id"])
    assert (burn["points"], burn["details"]["burnRule"]["version"]) == (300, 1)
    assert burn["details"]["maxPoints"] == 1000


async def test_a_retry_answers_what_the_burn_did_after_the_rules_changed(
    admin, api, make_partner, make_member
):
    partner, till, member = await rich_member(api, make_partner, make_member)
    given = burn_input(member, 500, "50.00")
    first = await till.ok("burnPoints", given, TX_FIELDS)
    await set_rules(admin, partner.code, acceptsRedemption=False)
    again = await till.ok("burnPoints", given, TX_FIELDS)
    assert again == first
    other = await till.refused("burnPoints", {**given, "points": 400})
    assert other["code"] == "IDEMPOTENCY_CONFLICT"


async def test_bad_rules_and_baskets_have_codes(admin, api, make_partner, make_member):
    partner, till, member = await rich_member(api, make_partner, make_member)
    past = (datetime.now(UTC) - timedelta(hours=1)).isoformat()
    cases = [
        ({"maxBasketShare": "1.5"}, "INVALID_INPUT", ["maxBasketShare"]),
        ({"maxBasketShare": "20%"}, "INVALID_INPUT", ["maxBasketShare"]),
        ({"minimumPoints": 0}, "INVALID_AMOUNT", ["minimumPoints"]),
        ({"pointValue": eur("0")}, "INVALID_AMOUNT", ["pointValue"]),
        ({"pointValue": eur("0.0000001")}, "INVALID_AMOUNT", ["pointValue"]),
        (
            {"pointValue": {"amount": "0.01", "currency": "USD"}},
            "UNSUPPORTED_CURRENCY",
            ["pointValue", "currency"],
        ),
        ({"minimumBasket": eur("-1")}, "INVALID_AMOUNT", ["minimumBasket"]),
        ({"minimumBasket": eur("1.001")}, "INVALID_AMOUNT", ["minimumBasket"]),
        ({"acceptsRedemption": False, "minimumPoints": 5}, "INVALID_INPUT", ["acceptsRedemption"]),
        ({"effectiveFrom": past}, "INVALID_INPUT", ["effectiveFrom"]),
        ({"idempotencyKey": ""}, "INVALID_INPUT", ["idempotencyKey"]),
        ({"partnerCode": "NOPE"}, "PARTNER_NOT_FOUND", ["partnerCode"]),
    ]
    for given, code, field in cases:
        error = await admin.refused("setBurnRules", rules_input(partner.code, **given))
        assert (error["code"], error["field"]) == (code, field), given
    baskets = [
        (eur("abc"), "INVALID_AMOUNT", ["basketAmount"]),
        (eur("0"), "INVALID_AMOUNT", ["basketAmount"]),
        (
            {"amount": "5.00", "currency": "USD"},
            "UNSUPPORTED_CURRENCY",
            ["basketAmount", "currency"],
        ),
    ]
    for basket, code, field in baskets:
        for mutation in ("burnPoints", "authorizeBurn"):
            given = {**burn_input(member, 10), "basketAmount": basket}
            error = await till.refused(mutation, given)
            assert (error["code"], error["field"]) == (code, field), (mutation, basket)
    unchanged = await admin.data(
        f"query($id: ID!) {{ node(id: $id) {{ ... on Partner {{ {RULES} }} }} }}",
        {"id": partner_gid(partner)},
    )
    assert unchanged["node"]["burnRules"] == []
