"""Converting into points through the gateway: 1,000 SkyMiles give 800 points, an earn funded
by the airline; the quote's lock, its single use, idempotency, who may convert, the limits at
their boundaries and under concurrency; the audit after each scenario."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from conversion_support import Sky, new_key

from exchange.kit import clock


async def test_a_thousand_miles_become_800_points_funded_by_the_airline(sky: Sky) -> None:
    before = datetime.now(UTC)
    quote = await sky.quote(sky.ana, direction="IN", amount="1000")
    assert (quote["points"], quote["amount"], quote["rate"], quote["ruleVersion"]) == (
        800,
        "1000",
        "0.8",
        1,
    )
    expires = datetime.fromisoformat(quote["expiresAt"])
    assert before + timedelta(seconds=60) <= expires <= datetime.now(UTC) + timedelta(seconds=60)

    done = await sky.convert(sky.ana, quote["id"])
    assert done["userErrors"] == []
    conversion = done["conversion"]
    assert (conversion["status"], conversion["points"], conversion["amount"]) == (
        "COMPLETED",
        800,
        "1000",
    )
    assert conversion["transaction"]["kind"] == "EARN"
    assert conversion["transaction"]["partner"] == {"code": "AIRLINE"}
    assert conversion["transaction"]["reason"] == "Converted 1,000 SKY of SkyMiles into points"
    assert done["member"] == {"balance": 10_800, "availableBalance": 10_800, "heldPoints": 0}

    (lot,) = await sky.rows(
        "SELECT points, remaining, issue_price, expires_at IS NOT NULL AS expires FROM lots"
        " WHERE issuer_partner_id = %s",
        sky.airline_id,
    )
    assert lot == {
        "points": 800,
        "remaining": 800,
        "issue_price": Decimal("0.010000"),
        "expires": True,
    }
    (completed,) = await sky.events("conversion.completed")
    assert completed["partner_id"] == sky.airline_id
    data = completed["payload"]["data"]
    assert (data["direction"], data["amount"], data["points"], data["rate"]) == (
        "IN",
        "1000",
        800,
        "0.8",
    )
    assert data["memberId"] == sky.ana_gid and data["status"] == "COMPLETED"
    earned = [e for e in await sky.events("points.earned") if e["partner_id"] == sky.airline_id]
    assert earned[0]["payload"]["data"]["conversionId"] == conversion["id"]
    assert await sky.audit() == []


async def test_a_quote_is_used_once_and_the_same_key_answers_the_same(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="IN", points=400)
    assert (quote["points"], quote["amount"]) == (400, "500")
    key = new_key("once")
    first = await sky.convert(sky.ana, quote["id"], key)
    again = await sky.convert(sky.ana, quote["id"], key)
    assert again["conversion"]["id"] == first["conversion"]["id"]
    assert (await sky.balance())["balance"] == 10_400

    other_key = await sky.convert(sky.ana, quote["id"])
    assert [(e["code"], e["field"]) for e in other_key["userErrors"]] == [
        ("CONVERSION_QUOTE_USED", ["quoteId"])
    ]
    another = await sky.quote(sky.ana, direction="IN", points=400)
    conflict = await sky.convert(sky.ana, another["id"], key)
    assert conflict["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert (await sky.balance())["balance"] == 10_400
    assert await sky.audit() == []


async def test_the_rate_is_locked_until_the_quote_expires(
    sky: Sky, monkeypatch: pytest.MonkeyPatch
) -> None:
    quote = await sky.quote(sky.ana, direction="IN", amount="1000")
    late = await sky.quote(sky.ana, direction="IN", amount="1000")
    # a new version halves the rate: the quotes keep theirs
    changed = await sky.admin.mutate(
        "setConversionRules",
        {**_rules(in_rate="0.4"), "idempotencyKey": new_key()},
        "rules { version }",
    )
    assert changed["rules"] == {"version": 2}
    quoted_at = datetime.fromisoformat(quote["expiresAt"]) - timedelta(seconds=60)

    monkeypatch.setattr(clock, "now", lambda: quoted_at + timedelta(seconds=59))
    done = await sky.convert(sky.ana, quote["id"])
    assert (done["conversion"]["points"], done["conversion"]["rate"]) == (800, "0.8")

    monkeypatch.setattr(clock, "now", lambda: quoted_at + timedelta(seconds=61))
    expired = await sky.convert(sky.ana, late["id"])
    assert [(e["code"], e["field"]) for e in expired["userErrors"]] == [
        ("CONVERSION_QUOTE_EXPIRED", ["quoteId"])
    ]
    monkeypatch.undo()
    fresh = await sky.quote(sky.ana, direction="IN", amount="1000")
    assert (fresh["points"], fresh["rate"], fresh["ruleVersion"]) == (400, "0.4", 2)
    assert (await sky.balance())["balance"] == 10_800
    assert await sky.audit() == []


async def test_who_may_quote_and_convert(sky: Sky) -> None:
    by_airline = await sky.quote(sky.airline, memberId=sky.ana_gid, direction="IN", points=200)
    refused = await sky.grocer.refused(
        "quoteConversion",
        {"memberId": sky.ana_gid, "currency": "SKY", "direction": "IN", "points": 200},
    )
    assert refused["code"] == "CONVERSION_CURRENCY_NOT_FOUND"
    mine = await sky.quote(sky.ana, direction="IN", points=200)
    stolen = await sky.convert(sky.airline, mine["id"])
    assert stolen["userErrors"][0]["code"] == "CONVERSION_QUOTE_NOT_FOUND"
    not_hers = await sky.ana.refused(
        "quoteConversion",
        {"memberId": _member(sky.grocer_id), "currency": "SKY", "direction": "IN", "points": 200},
    )
    assert not_hers["code"] == "MEMBER_NOT_FOUND"
    staff = await sky.admin.post(
        'mutation { quoteConversion(input: {currency: "SKY", direction: IN, points: 200})'
        " { userErrors { code } } }"
    )
    assert staff.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    done = await sky.convert(sky.airline, by_airline["id"])
    assert done["conversion"]["status"] == "COMPLETED"
    seen = await sky.airline.data(
        "{ conversions(first: 5) { edges { node { id points member { id } } } } }"
    )
    assert [e["node"]["points"] for e in seen["conversions"]["edges"]] == [200]
    assert await sky.audit() == []


async def test_the_limits_at_their_boundaries(sky: Sky) -> None:
    too_few = await sky.ana.refused(
        "quoteConversion", {"currency": "SKY", "direction": "IN", "points": 99}
    )
    assert (too_few["code"], too_few["field"]) == ("CONVERSION_LIMIT_EXCEEDED", ["points"])
    assert "at least 100 points per conversion: 99 asked for" in too_few["message"]
    # 124 miles give 99.2 -> 99 points; 125 give exactly 100
    refused = await sky.ana.refused(
        "quoteConversion", {"currency": "SKY", "direction": "IN", "amount": "124"}
    )
    assert (refused["code"], refused["field"]) == ("CONVERSION_LIMIT_EXCEEDED", ["amount"])
    await sky.quote(sky.ana, direction="IN", amount="125")
    too_many = await sky.ana.refused(
        "quoteConversion", {"currency": "SKY", "direction": "IN", "points": 5001}
    )
    assert "at most 5000 points per conversion" in too_many["message"]

    for points in (5000, 3000):  # 8,000 a day
        quote = await sky.quote(sky.ana, direction="IN", points=points)
        assert (await sky.convert(sky.ana, quote["id"]))["userErrors"] == []
    over = await sky.ana.refused(
        "quoteConversion", {"currency": "SKY", "direction": "IN", "points": 100}
    )
    assert "at most 8000 points a day this way: 0 left today" in over["message"]
    out = await sky.quote(sky.ana, direction="OUT", points=100)  # the other way is apart
    assert out["amount"] == "125"
    assert await sky.audit() == []


async def test_concurrent_conversions_never_pass_the_daily_limit(sky: Sky) -> None:
    quotes = [await sky.quote(sky.ana, direction="IN", points=1000) for _ in range(12)]
    results = await asyncio.gather(*(sky.convert(sky.ana, q["id"]) for q in quotes))
    done = [r for r in results if not r["userErrors"]]
    refused = {e["code"] for r in results for e in r["userErrors"]}
    assert len(done) == 8 and refused == {"CONVERSION_LIMIT_EXCEEDED"}
    assert (await sky.balance())["balance"] == 10_000 + 8_000
    assert await sky.audit() == []


async def test_a_way_not_offered_and_an_unknown_currency(sky: Sky) -> None:
    await sky.admin.ok(
        "setConversionRules",
        {
            "partnerCode": "AIRLINE",
            "currency": "SKY",
            "out": {"rate": "1"},
            "idempotencyKey": new_key(),
        },
        "rules { version }",
    )
    closed = await sky.ana.refused(
        "quoteConversion", {"currency": "SKY", "direction": "IN", "points": 100}
    )
    assert (closed["code"], closed["field"]) == ("CONVERSION_NOT_OFFERED", ["direction"])
    unknown = await sky.ana.refused(
        "quoteConversion", {"currency": "MOON", "direction": "IN", "points": 100}
    )
    assert unknown["code"] == "CONVERSION_CURRENCY_NOT_FOUND"


async def test_a_conversion_earn_is_not_reversed_as_a_purchase(sky: Sky) -> None:
    quote = await sky.quote(sky.airline, memberId=sky.ana_gid, direction="IN", points=800)
    done = await sky.convert(sky.airline, quote["id"])
    refused = await sky.airline.refused(
        "reverseEarn",
        {"transactionId": done["conversion"]["transaction"]["id"], "idempotencyKey": new_key()},
    )
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", ["transactionId"])
    assert await sky.audit() == []


def _rules(*, in_rate: str) -> dict[str, object]:
    return {
        "partnerCode": "AIRLINE",
        "currency": "SKY",
        "in": {"rate": in_rate, "minimumPoints": 100, "maximumPoints": 5000},
        "out": {"rate": "1.25"},
    }


def _member(db_id: int) -> str:
    from exchange.kit.ids import to_global_id

    return to_global_id("Member", db_id)


async def test_the_member_and_its_partners_read_their_conversions(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="IN", amount="1000")
    await sky.convert(sky.ana, quote["id"])
    mine = await sky.ana.data(
        "{ viewer { member { conversions(first: 5) { edges { node { direction status points"
        " amount currency partnerName transaction { kind } } } } } } }"
    )
    (edge,) = mine["viewer"]["member"]["conversions"]["edges"]
    assert edge["node"] == {
        "direction": "IN",
        "status": "COMPLETED",
        "points": 800,
        "amount": "1000",
        "currency": "SKY",
        "partnerName": "Demo Airline",
        "transaction": {"kind": "EARN"},
    }
    query = "query($id: ID) { member(id: $id) { conversions(first: 5) { edges { node { id } } } } }"
    by_airline = await sky.airline.data(query, {"id": sky.ana_gid})
    assert len(by_airline["member"]["conversions"]["edges"]) == 1
    by_grocer = await sky.grocer.data(query, {"id": sky.ana_gid})
    assert by_grocer["member"]["conversions"]["edges"] == []  # not the grocer's conversion
    currencies = await sky.ana.data(
        "{ programCurrencies { code name partnerName rules { version in { rate } out { rate } } } }"
    )
    assert currencies["programCurrencies"] == [
        {
            "code": "SKY",
            "name": "SkyMiles",
            "partnerName": "Demo Airline",
            "rules": {"version": 1, "in": {"rate": "0.8"}, "out": {"rate": "1.25"}},
        }
    ]
