"""Earn rules over GraphQL: versions, the quote and the earn alike, returns of lines at the
rates used, the daily cap under concurrency, and refusals with their codes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from earn_rules_support import BASKET, QUOTE, details_of, earn, eur, fuel_rules, line, set_rules
from gateway_support import member_gid, new_key

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from exchange.ledger.audit import run_audit
from partners import earn_rule_versions
from partners.earn_rules import explain, record
from partners.earn_rules.rule_sets import Terms

EARN_RULES = (
    "query($id: ID!) { node(id: $id) { ... on Partner { earnRate earnRules {"
    " current { version baseRate } versions { version baseRate effectiveFrom } } } } }"
)


async def audit_ok(pool) -> None:  # type: ignore[no-untyped-def]
    async with transaction(pool) as conn:
        assert [check.name for check in await run_audit(conn) if not check.ok] == []


async def test_a_new_version_applies_from_its_effective_from_only(
    admin, api, make_partner, make_member, pool
):
    partner = await make_partner(earn_rate="1")
    member = await make_member(partner)
    till = api(partner.key.secret)
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)

    added = await set_rules(admin, partner.code, effectiveFrom=start.isoformat())

    assert (added["version"], added["effectiveFrom"]) == (2, start.isoformat())
    before = await earn(till, member, "77.50", BASKET)  # now: version 1, 1 point per EUR
    after = await earn(
        till, member, "77.50", BASKET, occurredAt=(start + timedelta(seconds=1)).isoformat()
    )
    assert (before["points"], after["points"]) == (77, 7)
    assert (await details_of(pool, before["id"]))["ruleSet"]["version"] == 1
    kept = await details_of(pool, after["id"])
    assert kept["ruleSet"] == {
        "id": kept["ruleSet"]["id"],
        "version": 2,
        "effectiveFrom": start.isoformat(),
    }
    assert [(x["category"], x["rate"], x["points"]) for x in kept["lines"]] == [
        ("fuel", "0.1", 4),
        ("shop", "0.3", 3),
        ("gift_card", "0", 0),
    ]

    rules = await admin.data(EARN_RULES, {"id": to_global_id("Partner", partner.id)})
    assert rules["node"]["earnRate"] == "1"
    assert rules["node"]["earnRules"]["current"] == {"version": 1, "baseRate": "1"}
    assert [v["version"] for v in rules["node"]["earnRules"]["versions"]] == [2, 1]
    # used now: no version may start at or before that earn any more
    error = await admin.refused(
        "setEarnRules", fuel_rules(partner.code, effectiveFrom=start.isoformat())
    )
    assert (error["code"], error["field"]) == ("INVALID_INPUT", ["effectiveFrom"])
    # a partner sees its own rules, not another's
    other = await make_partner()
    mine = await till.data(EARN_RULES, {"id": to_global_id("Partner", partner.id)})
    assert mine["node"]["earnRules"]["current"]["version"] == 1
    theirs = await till.call(EARN_RULES, {"id": to_global_id("Partner", other.id)})
    assert theirs["data"]["node"] is None


async def test_the_quote_and_the_earn_give_the_same_numbers_and_words(
    admin, api, make_partner, make_member, pool
):
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    await set_rules(admin, partner.code, minimumPurchase=eur("10.00"), capPerMemberPerDay=100)

    quoted = (await till.data(QUOTE, {"m": member_gid(member), "a": eur("77.50"), "l": BASKET}))[
        "earnQuote"
    ]
    earned = await earn(till, member, "77.50", BASKET)

    assert quoted["points"] == earned["points"] == 7
    assert (quoted["rate"], quoted["ruleVersion"], quoted["pointsBeforeCaps"]) == ("0.05", 2, 7)
    assert quoted["lines"][1] == {
        "category": "shop",
        "points": 3,
        "pointsBeforeCaps": 3,
        "rule": "CATEGORY_RATE",
        "rate": "0.3",
        "multiplier": "1",
        "exactPoints": "3.75",
    }
    assert [step["message"] for step in quoted["explanation"]] == [
        "77.50 EUR paid: at least the minimum purchase of 10.00 EUR",
        "fuel 45.00 EUR x 0.1 (the fuel rate) = 4.5, rounded down: 4 points",
        "shop 12.50 EUR x 0.3 (the shop rate) = 3.75, rounded down: 3 points",
        "gift_card 20.00 EUR: an excluded category, 0 points",
        "0 points earned at this partner earlier that day (UTC); the cap of 100 points a day"
        " leaves 100: all 7 points fit",
    ]
    kept = record.calculation(
        await details_of(pool, earned["id"]), amount=Decimal("77.50"), currency="EUR"
    )
    assert [step.message for step in explain.steps(kept)] == [
        step["message"] for step in quoted["explanation"]
    ]
    # the same quote after the earn counts it against the day
    again = (await till.data(QUOTE, {"m": member_gid(member), "a": eur("77.50"), "l": BASKET}))[
        "earnQuote"
    ]
    assert again["explanation"][-1]["message"].startswith("7 points earned at this partner")


async def test_a_partial_return_of_lines_takes_back_those_lines_points(
    admin, api, make_partner, make_member, pool
):
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    await set_rules(admin, partner.code)
    earned = await earn(till, member, "77.50", BASKET)

    async def give_back(**what: object) -> int:
        done = await till.ok(
            "reverseEarn",
            {"transactionId": earned["id"], "idempotencyKey": new_key("rev"), **what},
            "transaction { points amount { amount } }",
        )
        points: int = done["transaction"]["points"]
        return points

    assert await give_back(lines=[line("gift_card", "20.00")]) == 0
    assert await give_back(lines=[line("shop", "12.50")]) == 3
    assert await give_back(lines=[line("fuel", "20.00")]) == 2  # floor(20.00 x 0.1)
    error = await till.refused(
        "reverseEarn",
        {
            "transactionId": earned["id"],
            "lines": [line("fuel", "25.01")],
            "idempotencyKey": new_key(),
        },
    )
    assert (error["code"], error["field"]) == ("AMOUNT_EXCEEDS_ORIGINAL", ["lines", "0", "amount"])
    error = await till.refused(
        "reverseEarn",
        {
            "transactionId": earned["id"],
            "lines": [line("tyres", "1.00")],
            "idempotencyKey": new_key(),
        },
    )
    assert (error["code"], error["field"]) == (
        "AMOUNT_EXCEEDS_ORIGINAL",
        ["lines", "0", "category"],
    )
    error = await till.refused(
        "reverseEarn",
        {
            "transactionId": earned["id"],
            "amount": eur("1.00"),
            "lines": [line("fuel", "1.00")],
            "idempotencyKey": new_key(),
        },
    )
    assert (error["code"], error["field"]) == ("INVALID_INPUT", ["lines"])
    assert await give_back() == 2  # all that is left: the rest of the fuel
    status = await till.data(
        "query($id: ID!) { node(id: $id) { ... on Transaction { status } } }", {"id": earned["id"]}
    )
    assert status["node"]["status"] == "REVERSED"
    await audit_ok(pool)


async def test_the_daily_cap_holds_under_concurrent_earns(
    admin, api, make_partner, make_member, pool
):
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    await set_rules(admin, partner.code, baseRate="1", capPerMemberPerDay=100)
    first = await earn(till, member, "93.00")
    assert first["points"] == 93

    results = await asyncio.gather(*(earn(till, member, "5.00") for _ in range(6)))

    points = sorted(result["points"] for result in results)
    assert points == [0, 0, 0, 0, 2, 5]  # 93 + 5 + 2 = the cap; later earns get nothing
    clamped = [await details_of(pool, r["id"]) for r in results if r["points"] == 2]
    assert clamped[0]["dailyCap"] == {"limit": 100, "earnedBefore": 98, "points": 2}
    assert clamped[0]["points"] == 5  # what the rules asked for before the daily cap
    await audit_ok(pool)


async def test_an_idempotent_replay_of_a_clamped_earn_gives_the_same_points(
    admin, api, make_partner, make_member
):
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    await set_rules(admin, partner.code, baseRate="1", capPerMemberPerDay=10)
    body = {"memberId": member_gid(member), "amount": eur("25.00"), "idempotencyKey": new_key()}
    once = await till.ok("earnPoints", body, "transaction { id points }")
    twice = await till.ok("earnPoints", body, "transaction { id points }")
    assert once == twice and once["transaction"]["points"] == 10


async def test_bad_rules_are_refused_with_codes_and_fields(admin, api, make_partner):
    partner = await make_partner()
    past = (datetime.now(UTC) - timedelta(minutes=6)).isoformat()
    cases = [
        ({"baseRate": "ten"}, "INVALID_INPUT", ["baseRate"]),
        (
            {
                "categoryRates": [
                    {"category": "fuel", "rate": "0.1"},
                    {"category": "shop", "rate": "-3"},
                ]
            },
            "INVALID_INPUT",
            ["categoryRates", "1", "rate"],
        ),
        ({"excludedCategories": ["fuel"]}, "INVALID_INPUT", ["excludedCategories", "0"]),
        ({"capPerTransaction": 0}, "INVALID_INPUT", ["capPerTransaction"]),
        ({"capPerMemberPerDay": -5}, "INVALID_INPUT", ["capPerMemberPerDay"]),
        ({"effectiveFrom": past}, "INVALID_INPUT", ["effectiveFrom"]),
        (
            {"minimumPurchase": {"amount": "10", "currency": "USD"}},
            "UNSUPPORTED_CURRENCY",
            ["minimumPurchase", "currency"],
        ),
        ({"minimumPurchase": eur("0")}, "INVALID_AMOUNT", ["minimumPurchase"]),
        ({"partnerCode": "NOPE"}, "PARTNER_NOT_FOUND", ["partnerCode"]),
    ]
    for changes, code, field in cases:
        error = await admin.refused("setEarnRules", fuel_rules(partner.code, **changes))
        assert (error["code"], error["field"]) == (code, field), changes
    forbidden = await api(partner.key.secret).call(
        "mutation($i: SetEarnRulesInput!) { setEarnRules(input: $i) { userErrors { code } } }",
        {"i": fuel_rules(partner.code)},
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_set_earn_rules_is_idempotent(admin, make_partner):
    partner = await make_partner()
    body = fuel_rules(partner.code)
    first = await admin.ok("setEarnRules", body, "earnRuleSet { id version }")
    again = await admin.ok("setEarnRules", body, "earnRuleSet { id version }")
    assert first == again and first["earnRuleSet"]["version"] == 2
    error = await admin.refused("setEarnRules", {**body, "baseRate": "0.2"})
    assert error["code"] == "IDEMPOTENCY_CONFLICT"


async def test_an_earn_priced_with_rules_read_before_a_change_is_priced_again(
    api, make_partner, make_member, pool
):
    partner = await make_partner(earn_rate="1")
    member = await make_member(partner)
    till = api(partner.key.secret)
    assert (await earn(till, member, "10.00"))["points"] == 10  # this process read version 1
    async with transaction(pool) as conn:  # another process adds version 2, in force now
        await earn_rule_versions.add_version(
            conn,
            earn_rule_versions.NewVersion(partner.code, None, Terms(base_rate=Decimal(3))),
            caller="elsewhere",
            key=None,
            actor="test",
            now=datetime.now(UTC),
        )

    again = await earn(till, member, "10.00")

    assert again["points"] == 30
    assert (await details_of(pool, again["id"]))["ruleSet"]["version"] == 2
