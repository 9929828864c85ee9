"""Campaigns and promo codes over GraphQL: created, changed and ended by an admin; the quote
and the earn give the same campaign lines; the earn's calculation and its BONUS transaction
show them; a return takes them back; promo codes refused with their codes; an instant win
re-checked once its seed is shown; segments; and refusals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from earn_rules_support import BASKET, eur, line, set_rules
from gateway_support import Api, member_gid, new_key

from exchange.kit.db import transaction
from exchange.ledger.audit import run_audit

CAMPAIGN = (
    "campaign { code promoCode status seedSha256 seed current { version name kind multiplier"
    " points chance { wins outOf } partnerCodes categories fundedBy pointsTotal"
    " usesPerMember controlGroupPercent segment { code } } versions { version }"
    " budget { pointsGiven uses } }"
)
LINE = (
    "code version kind fundedBy promoCode wanted points heldOut limitedBy message applied"
    " transactionId draw { value won }"
)
QUOTE = (
    "query($m: ID!, $a: MoneyInput!, $l: [LineInput!], $p: String) { earnQuote(memberId: $m,"
    f" amount: $a, lines: $l, promoCode: $p) {{ points campaignPoints totalPoints campaigns {{"
    f" {LINE} }} }} }}"
)
EARNED = (
    "transaction { id points calculation { points campaignPoints lines { category points }"
    f" campaigns {{ {LINE} }} }} }} member {{ balance }}"
)
BONUS_TX = (
    "query($id: ID!) { node(id: $id) { ... on Transaction { kind points reason status"
    f" partner {{ code }} campaign {{ {LINE} }} }} }} }}"
)


def soon(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


async def create(admin: Api, partner_code: str, **fields: Any) -> dict[str, Any]:
    payload = {
        "code": new_key("CAMP").replace("-", "_").upper(),
        "name": "Double shop points",
        "kind": "MULTIPLIER",
        "multiplier": "2",
        "startsAt": soon(hours=-1),
        "endsAt": soon(days=30),
        "partnerCodes": [partner_code],
        "categories": ["shop"],
        "idempotencyKey": new_key("campaign"),
        **fields,
    }
    done = await admin.ok("createCampaign", payload, CAMPAIGN)
    campaign: dict[str, Any] = done["campaign"]
    return campaign


async def earn(till: Api, member: int, **extra: Any) -> dict[str, Any]:
    payload = {
        "memberId": member_gid(member),
        "amount": eur("77.50"),
        "lines": BASKET,
        "idempotencyKey": new_key("earn"),
        **extra,
    }
    return await till.mutate("earnPoints", payload, EARNED)


async def audit_ok(pool) -> None:  # type: ignore[no-untyped-def]
    async with transaction(pool) as conn:
        assert [check.name for check in await run_audit(conn) if not check.ok] == []


async def test_the_quote_the_earn_and_its_record_show_the_same_campaign(
    admin, api, make_partner, make_member, pool
):
    fuel = await make_partner()
    await set_rules(admin, fuel.code)
    member = await make_member(fuel)
    till = api(fuel.key.secret)
    double = await create(admin, fuel.code)
    assert double["status"] == "RUNNING"
    assert double["current"]["partnerCodes"] == [fuel.code]
    assert len(double["seedSha256"]) == 64 and double["seed"] is None

    quoted = (
        await till.data(QUOTE, {"m": member_gid(member), "a": eur("77.50"), "l": BASKET, "p": None})
    )["earnQuote"]
    done = await earn(till, member)

    # rules: fuel 4, shop 3, gift card 0; the campaign: floor(12.50 x 0.3 x 2) - 3 = 4
    assert (quoted["points"], quoted["campaignPoints"], quoted["totalPoints"]) == (7, 4, 11)
    [quoted_line] = quoted["campaigns"]
    assert quoted_line["message"] == (
        f"{double['code']} v1 (Double shop points): x2 shop 12.50 EUR +4 = 4 points,"
        " funded by the partner"
    )
    assert done["userErrors"] == []
    calculation = done["transaction"]["calculation"]
    assert (done["transaction"]["points"], calculation["campaignPoints"]) == (7, 4)
    assert done["member"]["balance"] == 11
    [recorded] = calculation["campaigns"]
    assert (recorded["wanted"], recorded["points"], recorded["applied"]) == (4, 4, True)
    bonus = (await till.data(BONUS_TX, {"id": recorded["transactionId"]}))["node"]
    assert (bonus["kind"], bonus["points"], bonus["partner"]) == ("BONUS", 4, {"code": fuel.code})
    assert bonus["reason"] == f"Double shop points (campaign {double['code']})"
    assert bonus["campaign"]["code"] == double["code"]

    back = await till.ok(
        "reverseEarn",
        {
            "transactionId": done["transaction"]["id"],
            "lines": [line("shop", "12.50")],
            "idempotencyKey": new_key("rev"),
        },
        "transaction { points } member { balance }",
    )
    assert (back["transaction"]["points"], back["member"]["balance"]) == (3, 4)
    bonus = (await till.data(BONUS_TX, {"id": recorded["transactionId"]}))["node"]
    assert bonus["status"] == "REVERSED"
    await audit_ok(pool)


async def test_a_campaign_is_changed_then_ended_and_its_seed_shown(
    admin, api, make_partner, make_member, pool
):
    fuel = await make_partner()
    await set_rules(admin, fuel.code)
    member = await make_member(fuel)
    till = api(fuel.key.secret)
    bonus = await create(
        admin, fuel.code, kind="BONUS", multiplier=None, points=50, pointsTotal=120
    )

    changed = await admin.ok(
        "updateCampaign",
        {"code": bonus["code"], "points": 70, "idempotencyKey": new_key("upd")},
        CAMPAIGN,
    )
    first = await earn(till, member)
    second = await earn(till, member)
    ended = await admin.ok(
        "endCampaign", {"code": bonus["code"], "idempotencyKey": new_key("end")}, CAMPAIGN
    )
    third = await earn(till, member)

    current = changed["campaign"]["current"]
    assert (current["version"], current["points"], current["categories"]) == (2, 70, ["shop"])
    assert [
        c["points"] for e in (first, second) for c in e["transaction"]["calculation"]["campaigns"]
    ] == [70, 50]
    assert second["transaction"]["calculation"]["campaigns"][0]["limitedBy"] == "POINTS_TOTAL"
    assert third["transaction"]["calculation"]["campaigns"] == []
    campaign = ended["campaign"]
    assert (campaign["status"], campaign["budget"]) == ("ENDED", {"pointsGiven": 120, "uses": 2})
    assert campaign["seed"] is not None and len(campaign["seed"]) == 64
    again = await admin.refused(
        "updateCampaign", {"code": bonus["code"], "points": 5, "idempotencyKey": new_key("upd")}
    )
    assert (again["code"], again["field"]) == ("INVALID_INPUT", ["code"])
    await audit_ok(pool)


async def test_promo_codes_apply_when_presented_and_are_refused_with_their_codes(
    admin, api, make_partner, make_member, pool
):
    fuel = await make_partner()
    await set_rules(admin, fuel.code)
    member = await make_member(fuel)
    till = api(fuel.key.secret)
    code = f"WELCOME{fuel.id}"
    await create(
        admin,
        fuel.code,
        kind="BONUS",
        multiplier=None,
        points=25,
        categories=[],
        promoCode=code.lower(),
        usesPerMember=1,
        minimumSpend=eur("50.00"),
        fundedBy="OPERATOR",
    )

    quoted = (
        await till.data(QUOTE, {"m": member_gid(member), "a": eur("77.50"), "l": BASKET, "p": code})
    )["earnQuote"]
    used = await earn(till, member, promoCode=code)
    twice = await earn(till, member, promoCode=code)
    unknown = await earn(till, member, promoCode="NOSUCHCODE")
    small = await till.mutate(
        "earnPoints",
        {
            "memberId": member_gid(member),
            "amount": eur("20.00"),
            "promoCode": code,
            "idempotencyKey": new_key("earn"),
        },
        "transaction { id }",
    )
    without = await earn(till, member)

    assert (quoted["campaignPoints"], quoted["campaigns"][0]["promoCode"]) == (25, code)
    [applied] = used["transaction"]["calculation"]["campaigns"]
    assert (applied["points"], applied["fundedBy"]) == (25, "OPERATOR")
    assert [(e["code"], e["field"]) for e in twice["userErrors"]] == [
        ("PROMO_CODE_LIMIT_REACHED", ["promoCode"])
    ]
    assert twice["userErrors"][0]["message"] == (
        f"promo code {code}: this member has used it 1 times, its limit"
    )
    assert [e["code"] for e in unknown["userErrors"]] == ["PROMO_CODE_NOT_FOUND"]
    assert [e["code"] for e in small["userErrors"]] == ["PROMO_CODE_MINIMUM_NOT_MET"]
    assert without["transaction"]["calculation"]["campaigns"] == []
    # the operator's: staff see it, the partner (not its issuer) does not
    assert (await till.data(BONUS_TX, {"id": applied["transactionId"]}))["node"] is None
    bonus = (await admin.data(BONUS_TX, {"id": applied["transactionId"]}))["node"]
    assert (bonus["points"], bonus["partner"]) == (25, None)
    await audit_ok(pool)


async def test_an_instant_win_is_verified_once_the_campaign_has_ended(
    admin, api, make_partner, make_member, pool
):
    fuel = await make_partner()
    await set_rules(admin, fuel.code)
    member = await make_member(fuel)
    till = api(fuel.key.secret)
    lucky = await create(
        admin,
        fuel.code,
        kind="INSTANT_WIN",
        multiplier=None,
        points=40,
        chance={"wins": 1, "outOf": 2},
        categories=[],
    )
    verify = (
        "query($t: ID!, $c: String!) { verifyInstantWin(transactionId: $t, campaignCode: $c) {"
        " seed seedSha256 recorded { value won } recomputed { value won } seedMatches verified"
        " points chance { wins outOf } } }"
    )
    earns = [await earn(till, member) for _ in range(6)]
    draws = [e["transaction"]["calculation"]["campaigns"][0] for e in earns]

    before = await till.data(verify, {"t": earns[0]["transaction"]["id"], "c": lucky["code"]})
    await admin.ok(
        "endCampaign", {"code": lucky["code"], "idempotencyKey": new_key("e")}, "campaign { code }"
    )
    checks = [
        (await till.data(verify, {"t": e["transaction"]["id"], "c": lucky["code"]}))[
            "verifyInstantWin"
        ]
        for e in earns
    ]

    assert before["verifyInstantWin"]["seed"] is None
    assert before["verifyInstantWin"]["verified"] is None
    assert all(check["verified"] and check["seedMatches"] for check in checks)
    assert [c["recorded"] for c in checks] == [d["draw"] for d in draws]
    assert [c["points"] for c in checks] == [40 if d["draw"]["won"] else 0 for d in draws]
    assert checks[0]["chance"] == {"wins": 1, "outOf": 2}
    await audit_ok(pool)


async def test_a_segment_campaign_reaches_its_members_only(
    admin, api, make_partner, make_member, pool
):
    fuel = await make_partner()
    await set_rules(admin, fuel.code)
    vip, other = await make_member(fuel), await make_member(fuel)
    till = api(fuel.key.secret)
    segment = new_key("VIP").replace("-", "_").upper()
    made = await admin.ok(
        "createSegment",
        {"code": segment, "name": "VIPs", "memberIds": [member_gid(vip)]},
        "segment { code isList members } changed",
    )
    await create(admin, fuel.code, kind="BONUS", multiplier=None, points=30, segmentCode=segment)

    vips = await earn(till, vip)
    others = await earn(till, other)
    await admin.ok(
        "addSegmentMembers",
        {"code": segment, "memberIds": [member_gid(other)]},
        "segment { members } changed",
    )
    later = await earn(till, other)

    assert made["segment"] == {"code": segment, "isList": True, "members": 1}
    assert [c["points"] for c in vips["transaction"]["calculation"]["campaigns"]] == [30]
    assert others["transaction"]["calculation"]["campaigns"] == []
    assert [c["points"] for c in later["transaction"]["calculation"]["campaigns"]] == [30]


async def test_campaign_mutations_are_for_admins_and_check_their_input(
    admin, finance, api, make_partner
):
    fuel = await make_partner()
    till = api(fuel.key.secret)
    base = {
        "code": "NOPE",
        "name": "x",
        "kind": "MULTIPLIER",
        "multiplier": "2",
        "startsAt": soon(),
        "idempotencyKey": new_key(),
    }
    query = (
        "mutation($input: CreateCampaignInput!) { createCampaign(input: $input)"
        " { userErrors { code } } }"
    )
    for caller in (till, finance):
        result = await caller.call(query, {"input": base})
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    made = await create(admin, fuel.code)
    refusals = [
        ({"multiplier": "1"}, ("INVALID_INPUT", ["multiplier"])),
        ({"partnerCodes": ["NOSUCH"]}, ("PARTNER_NOT_FOUND", ["partnerCodes", "0"])),
        ({"segmentCode": "NOSUCH"}, ("SEGMENT_NOT_FOUND", ["segmentCode"])),
        ({"code": made["code"]}, ("CAMPAIGN_ALREADY_EXISTS", ["code"])),
        (
            {
                "kind": "INSTANT_WIN",
                "multiplier": None,
                "points": 5,
                "chance": {"wins": 1, "outOf": 4},
            },
            ("INVALID_INPUT", ["endsAt"]),
        ),
        (
            {"promoCode": "X1", "controlGroupPercent": "10"},
            ("INVALID_INPUT", ["controlGroupPercent"]),
        ),
        (
            {"minimumSpend": {"amount": "5", "currency": "USD"}},
            ("UNSUPPORTED_CURRENCY", ["minimumSpend", "currency"]),
        ),
    ]
    for changes, expected in refusals:
        error = await admin.refused(
            "createCampaign", {**base, "idempotencyKey": new_key(), **changes}
        )
        assert (error["code"], error["field"]) == expected, changes
    missing = await admin.refused(
        "endCampaign", {"code": "NOSUCHCAMPAIGN", "idempotencyKey": new_key()}
    )
    assert missing["code"] == "CAMPAIGN_NOT_FOUND"


async def test_a_partner_sees_the_campaigns_at_its_tills_only(admin, api, make_partner):
    fuel, other = await make_partner(), await make_partner()
    made = await create(admin, fuel.code)
    query = "query($c: String!) { campaign(code: $c) { code } }"

    mine = await api(fuel.key.secret).data(query, {"c": made["code"]})
    theirs = await api(other.key.secret).data(query, {"c": made["code"]})
    listed = await admin.data("{ campaigns(first: 100) { edges { node { code } } } }")

    assert mine["campaign"] == {"code": made["code"]}
    assert theirs["campaign"] is None
    assert made["code"] in [e["node"]["code"] for e in listed["campaigns"]["edges"]]
