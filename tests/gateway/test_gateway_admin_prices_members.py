"""Admin: effective-dated partner prices and closing members, over GraphQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from gateway_support import member_gid, new_key, row_counts

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import from_global_id, to_global_id

PRICES = (
    "prices { effectiveFrom issuePrice { amount currency } redemptionValue { amount currency } }"
)
SET_FIELDS = f"partner {{ code {PRICES} }}"


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def price_input(code: str, effective_from: datetime, **changes: Any) -> dict[str, Any]:
    return {
        "partnerCode": code,
        "effectiveFrom": effective_from.isoformat(),
        "issuePrice": eur("0.0125"),
        "redemptionValue": eur("0.009"),
        **changes,
    }


async def entry_prices(pool: Pool, transaction_id: str) -> tuple[Decimal | None, Decimal | None]:
    kind, entry_id = from_global_id(transaction_id)
    assert kind == "Transaction"
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT issue_price, redemption_value FROM journal_entries WHERE id = %s", (entry_id,)
        )
        row = await cur.fetchone()
    assert row is not None
    return row["issue_price"], row["redemption_value"]


async def price_rows(pool: Pool) -> int:
    async with transaction(pool) as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM partner_prices")
        row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def test_new_prices_apply_from_effective_from_only(admin, api, make_partner, pool):
    partner = await make_partner(issue_price="0.010", redemption_value="0.008")
    till = api(partner.key.secret)
    member = (await till.ok("enrollMember", {}, "member { id }"))["member"]["id"]
    effective = datetime.now(UTC) + timedelta(seconds=3)

    done = await admin.ok("setPartnerPrices", price_input(partner.code, effective), SET_FIELDS)

    assert done["partner"]["code"] == partner.code
    assert done["partner"]["prices"] == [
        {
            "effectiveFrom": effective.isoformat(),
            "issuePrice": eur("0.0125"),
            "redemptionValue": eur("0.009"),
        },
        {
            "effectiveFrom": "2020-01-01T00:00:00+00:00",
            "issuePrice": eur("0.01"),
            "redemptionValue": eur("0.008"),
        },
    ]

    async def earn(occurred_at: datetime) -> str:
        earned = await till.ok(
            "earnPoints",
            {
                "memberId": member,
                "amount": eur("100.00"),
                "occurredAt": occurred_at.isoformat(),
                "idempotencyKey": new_key(),
            },
            "transaction { id points }",
        )
        assert earned["transaction"]["points"] == 100
        transaction_id: str = earned["transaction"]["id"]
        return transaction_id

    before = await earn(effective - timedelta(seconds=1))
    after = await earn(effective + timedelta(seconds=1))
    assert await entry_prices(pool, before) == (Decimal("0.010000"), None)
    assert await entry_prices(pool, after) == (Decimal("0.012500"), None)

    # A burn takes the redemption value in force when it is posted.
    assert datetime.now(UTC) < effective, "too slow: the new prices are already in force"
    early = await till.ok(
        "burnPoints",
        {"memberId": member, "points": 10, "idempotencyKey": new_key()},
        "transaction { id }",
    )
    await asyncio.sleep(max(0.0, (effective - datetime.now(UTC)).total_seconds()) + 0.2)
    late = await till.ok(
        "burnPoints",
        {"memberId": member, "points": 10, "idempotencyKey": new_key()},
        "transaction { id }",
    )
    assert await entry_prices(pool, early["transaction"]["id"]) == (None, Decimal("0.008000"))
    assert await entry_prices(pool, late["transaction"]["id"]) == (None, Decimal("0.009000"))

    # Those prices have been used now: nothing may start at or before the last entry.
    for start in (effective, effective + timedelta(milliseconds=500)):
        error = await admin.refused(
            "setPartnerPrices", price_input(partner.code, start, issuePrice=eur("0.5"))
        )
        assert (error["code"], error["field"]) == ("INVALID_INPUT", ["effectiveFrom"])
    assert await entry_prices(pool, after) == (Decimal("0.012500"), None)
    listed = await admin.data(
        "query($id: ID!) { node(id: $id) { ... on Partner { prices(first: 1)"
        " { issuePrice { amount } } } } }",
        {"id": to_global_id("Partner", partner.id)},
    )
    assert listed["node"]["prices"] == [{"issuePrice": {"amount": "0.0125"}}]


async def test_a_price_may_start_a_little_in_the_past_but_not_more(admin, make_partner, pool):
    partner = await make_partner()
    now = datetime.now(UTC)
    error = await admin.refused(
        "setPartnerPrices", price_input(partner.code, now - timedelta(minutes=6))
    )
    assert (error["code"], error["field"]) == ("INVALID_INPUT", ["effectiveFrom"])
    done = await admin.ok(
        "setPartnerPrices", price_input(partner.code, now - timedelta(minutes=1)), SET_FIELDS
    )
    assert done["partner"]["prices"][0]["issuePrice"] == eur("0.0125")
    # A future row not used yet may be set again (corrected) at the same instant.
    later = now + timedelta(days=30)
    await admin.ok("setPartnerPrices", price_input(partner.code, later), SET_FIELDS)
    fixed = await admin.ok(
        "setPartnerPrices",
        price_input(partner.code, later, issuePrice=eur("0.02"), redemptionValue=eur("0")),
        SET_FIELDS,
    )
    assert fixed["partner"]["prices"][0] == {
        "effectiveFrom": later.isoformat(),
        "issuePrice": eur("0.02"),
        "redemptionValue": eur("0.00"),
    }
    assert len(fixed["partner"]["prices"]) == 3


async def test_set_partner_prices_refusals(admin, make_partner, pool):
    partner = await make_partner()
    soon = datetime.now(UTC) + timedelta(hours=1)
    rows = await price_rows(pool)
    cases = [
        ({"partnerCode": "NO_SUCH_PARTNER"}, "PARTNER_NOT_FOUND", ["partnerCode"]),
        ({"issuePrice": eur("1.0000001")}, "INVALID_AMOUNT", ["issuePrice"]),
        ({"redemptionValue": eur("-0.01")}, "INVALID_AMOUNT", ["redemptionValue"]),
        ({"issuePrice": eur("cheap")}, "INVALID_AMOUNT", ["issuePrice"]),
        ({"issuePrice": eur("1000.5")}, "INVALID_AMOUNT", ["issuePrice"]),
        (
            {"redemptionValue": {"amount": "0.01", "currency": "USD"}},
            "UNSUPPORTED_CURRENCY",
            ["redemptionValue", "currency"],
        ),
    ]
    for changes, code, field in cases:
        error = await admin.refused("setPartnerPrices", price_input(partner.code, soon, **changes))
        assert (error["code"], error["field"]) == (code, field), changes
    assert await price_rows(pool) == rows


async def test_only_admins_set_prices_or_close_members(
    api, finance, make_partner, make_member, pool
):
    partner = await make_partner()
    member = await make_member(partner)
    soon = datetime.now(UTC) + timedelta(hours=1)
    before = (await row_counts(pool), await price_rows(pool))
    for caller in (api(partner.key.secret), finance):
        for name, input_ in (
            ("setPartnerPrices", price_input(partner.code, soon)),
            ("closeMember", {"memberId": member_gid(member)}),
        ):
            result = await caller.call(
                f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input)"
                " { userErrors { code } } }",
                {"input": input_},
            )
            assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", (caller, name)
            assert result["data"] is None
    assert (await row_counts(pool), await price_rows(pool)) == before


async def test_prices_visible_to_staff_and_to_the_partner_itself(api, finance, make_partner):
    mine, other = await make_partner(issue_price="0.02"), await make_partner()
    query = (
        "query($id: ID!) { node(id: $id) { ... on Partner { code"
        " prices { issuePrice { amount currency } } } } }"
    )
    till = api(mine.key.secret)
    own = await till.data(query, {"id": to_global_id("Partner", mine.id)})
    assert own["node"] == {"code": mine.code, "prices": [{"issuePrice": eur("0.02")}]}
    assert (await till.data(query, {"id": to_global_id("Partner", other.id)}))["node"] is None
    listed = await finance.data("{ partners { code prices(first: 5) { issuePrice { amount } } } }")
    by_code = {p["code"]: p["prices"] for p in listed["partners"]}
    assert by_code[mine.code] == [{"issuePrice": {"amount": "0.02"}}]
    assert by_code[other.code] == [{"issuePrice": {"amount": "0.01"}}]
    too_many = await finance.call("{ partners { prices(first: 101) { effectiveFrom } } }")
    assert too_many["errors"][0]["extensions"]["code"] == "INVALID_INPUT"


async def test_closed_member_moves_no_points(admin, api, make_partner, make_member, pool):
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    gid = member_gid(member)
    await till.ok(
        "earnPoints",
        {"memberId": gid, "amount": eur("250.00"), "idempotencyKey": new_key()},
        "transaction { points }",
    )
    hold = await till.ok(
        "authorizeBurn",
        {"memberId": gid, "points": 40, "idempotencyKey": new_key()},
        "hold { id }",
    )

    closed = await admin.ok(
        "closeMember",
        {"memberId": gid, "reason": "asked by the member"},
        "member { id status balance availableBalance heldPoints }",
    )
    assert closed["member"] == {
        "id": gid,
        "status": "CLOSED",
        "balance": 250,
        "availableBalance": 210,
        "heldPoints": 40,
    }
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT event_type, payload FROM outbox_events WHERE member_id = %s"
            " AND event_type = 'member.closed'",
            (member,),
        )
        events = await cur.fetchall()
    assert [(e["event_type"], e["payload"]["data"]["reason"]) for e in events] == [
        ("member.closed", "asked by the member")
    ]

    counts = await row_counts(pool)
    again = await admin.refused("closeMember", {"memberId": gid})
    assert (again["code"], again["field"]) == ("MEMBER_CLOSED", ["memberId"])
    refusals = [
        ("earnPoints", {"memberId": gid, "amount": eur("10.00"), "idempotencyKey": new_key()}),
        ("burnPoints", {"memberId": gid, "points": 10, "idempotencyKey": new_key()}),
        ("authorizeBurn", {"memberId": gid, "points": 10, "idempotencyKey": new_key()}),
        ("captureBurn", {"holdId": hold["hold"]["id"], "idempotencyKey": new_key()}),
    ]
    for name, input_ in refusals:
        error = await till.refused(name, input_)
        assert error["code"] == "MEMBER_CLOSED", name
    assert await row_counts(pool) == counts
    seen = await till.data("query($id: ID!) { member(id: $id) { status balance } }", {"id": gid})
    assert seen["member"] == {"status": "CLOSED", "balance": 250}


async def test_close_member_refusals(admin, make_member, pool):
    member = await make_member()
    counts = await row_counts(pool)
    cases = [
        ({"memberId": "not-an-id"}, "MEMBER_NOT_FOUND", ["memberId"]),
        ({"memberId": member_gid(10**12)}, "MEMBER_NOT_FOUND", ["memberId"]),
        ({"memberId": to_global_id("Partner", member)}, "MEMBER_NOT_FOUND", ["memberId"]),
        ({"memberId": member_gid(member), "reason": "x" * 501}, "INVALID_INPUT", ["reason"]),
        ({"memberId": member_gid(member), "reason": ""}, "INVALID_INPUT", ["reason"]),
    ]
    for input_, code, field in cases:
        error = await admin.refused("closeMember", input_)
        assert (error["code"], error["field"]) == (code, field), input_
    assert await row_counts(pool) == counts
    done = await admin.ok("closeMember", {"memberId": member_gid(member)}, "member { status }")
    assert done["member"] == {"status": "CLOSED"}
