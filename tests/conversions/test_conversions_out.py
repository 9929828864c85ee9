"""Converting points out through the gateway: 1,000 points become 1,250 SkyMiles once the
airline confirms; until then they are held. Declined, or not confirmed by the deadline, the
same lots are the member's again. Only the airline may answer; the audit after each
scenario."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

import pytest
from conversion_support import Sky, new_key

from exchange.kit import clock
from partners.conversions import sweeping


async def _requested(sky: Sky, points: int = 1000) -> dict[str, object]:
    quote = await sky.quote(sky.ana, direction="OUT", points=points, programAccount="SK-123")
    done = await sky.convert(sky.ana, str(quote["id"]))
    assert done["userErrors"] == []
    conversion: dict[str, object] = done["conversion"]
    return conversion


async def test_1000_points_become_1250_miles_once_the_airline_confirms(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="OUT", points=1000, programAccount="SK-123")
    assert (quote["points"], quote["amount"], quote["rate"]) == (1000, "1250", "1.25")
    done = await sky.convert(sky.ana, quote["id"])
    conversion = done["conversion"]
    assert (conversion["status"], conversion["transaction"]) == ("PENDING", None)
    assert conversion["hold"]["status"] == "AUTHORIZED" and conversion["hold"]["points"] == 1000
    assert done["member"] == {"balance": 10_000, "availableBalance": 9_000, "heldPoints": 1_000}
    (requested,) = await sky.events("conversion.requested")
    data = requested["payload"]["data"]
    assert requested["partner_id"] == sky.airline_id
    assert (data["amount"], data["points"], data["programAccount"], data["status"]) == (
        "1250",
        1000,
        "SK-123",
        "PENDING",
    )
    assert datetime.fromisoformat(data["confirmBy"]) == datetime.fromisoformat(
        conversion["confirmBy"]
    )
    lots_before = await sky.lots()

    confirmed = await sky.answer(
        sky.airline, "confirmConversion", conversion["id"], reference="SKY-CREDIT-77"
    )
    assert confirmed["userErrors"] == []
    final = confirmed["conversion"]
    assert (final["status"], final["reference"]) == ("COMPLETED", "SKY-CREDIT-77")
    burn = final["transaction"]
    assert (burn["kind"], burn["points"], burn["partner"]) == ("BURN", 1000, {"code": "AIRLINE"})
    assert burn["reason"] == "Converted into 1,250 SKY of SkyMiles"
    assert await sky.balance() == {"balance": 9_000, "held": 0, "debt": 0}
    taken = await sky.rows(
        "SELECT issuer_partner_id, redeemer_partner_id, points FROM lot_consumptions"
        " WHERE kind = 'BURN'"
    )
    assert taken == [
        {"issuer_partner_id": sky.grocer_id, "redeemer_partner_id": sky.airline_id, "points": 1000}
    ]
    assert [(lot, issuer, left + 1000) for lot, issuer, left in await sky.lots()] == lots_before
    (completed,) = await sky.events("conversion.completed")
    assert completed["payload"]["data"]["reference"] == "SKY-CREDIT-77"
    assert completed["payload"]["data"]["transactionId"] == burn["id"]
    assert await sky.audit() == []


async def test_a_decline_gives_back_the_same_lots(sky: Sky) -> None:
    lots_before = await sky.lots()
    conversion = await _requested(sky, 2000)
    assert await sky.lots() == lots_before  # a hold touches no lot
    declined = await sky.answer(
        sky.airline, "declineConversion", str(conversion["id"]), reason="No such account"
    )
    final = declined["conversion"]
    assert (final["status"], final["declineReason"], final["hold"]["status"]) == (
        "DECLINED",
        "No such account",
        "VOIDED",
    )
    assert await sky.lots() == lots_before
    assert await sky.balance() == {"balance": 10_000, "held": 0, "debt": 0}
    (event,) = await sky.events("conversion.declined")
    assert event["payload"]["data"]["reason"] == "No such account"
    assert await sky.rows("SELECT * FROM journal_entries WHERE kind = 'BURN'") == []
    again = await sky.answer(sky.airline, "confirmConversion", str(conversion["id"]))
    assert again["userErrors"][0]["code"] == "CONVERSION_ALREADY_FINAL"
    assert await sky.audit() == []


async def test_only_the_owning_partner_may_answer(sky: Sky) -> None:
    conversion = await _requested(sky)
    for name in ("confirmConversion", "declineConversion"):
        refused = await sky.answer(sky.grocer, name, str(conversion["id"]))
        assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
            ("NOT_FOUND", ["conversionId"])
        ]
    member = await sky.ana.post(
        "mutation($input: ConfirmConversionInput!) { confirmConversion(input: $input)"
        " { userErrors { code } } }",
        {"input": {"conversionId": conversion["id"], "idempotencyKey": new_key()}},
    )
    assert member.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    seen = await sky.grocer.data(f'{{ conversion(id: "{conversion["id"]}") {{ id }} }}')
    assert seen == {"conversion": None}
    assert (await sky.balance())["held"] == 1000
    assert await sky.audit() == []


async def test_the_same_key_confirms_once(sky: Sky) -> None:
    conversion = await _requested(sky)
    key = new_key("confirm")
    answers = [
        await sky.airline.mutate(
            "confirmConversion",
            {"conversionId": conversion["id"], "reference": "R1", "idempotencyKey": key},
            "conversion { status transaction { id } }",
        )
        for _ in range(2)
    ]
    assert answers[0] == answers[1] and answers[0]["conversion"]["status"] == "COMPLETED"
    other = await sky.airline.mutate(
        "confirmConversion",
        {"conversionId": conversion["id"], "reference": "R2", "idempotencyKey": key},
        "conversion { status }",
    )
    assert other["userErrors"][0]["code"] == "IDEMPOTENCY_CONFLICT"
    assert len(await sky.rows("SELECT 1 FROM journal_entries WHERE kind = 'BURN'")) == 1
    assert await sky.audit() == []


async def test_a_confirmation_after_the_deadline_is_refused_and_the_points_return(
    sky: Sky, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversion = await _requested(sky)
    deadline = datetime.fromisoformat(str(conversion["confirmBy"]))
    monkeypatch.setattr(clock, "now", lambda: deadline)
    late = await sky.answer(sky.airline, "confirmConversion", str(conversion["id"]))
    assert [(e["code"], e["field"]) for e in late["userErrors"]] == [
        ("CONVERSION_EXPIRED", ["conversionId"])
    ]
    monkeypatch.undo()
    seen = await sky.ana.data(
        f'{{ conversion(id: "{conversion["id"]}") {{ status finalizedAt hold {{ status }} }} }}'
    )
    assert seen["conversion"]["status"] == "EXPIRED"
    assert seen["conversion"]["hold"] == {"status": "EXPIRED"}
    assert await sky.balance() == {"balance": 10_000, "held": 0, "debt": 0}
    (expired,) = await sky.events("conversion.expired")
    assert expired["payload"]["data"]["status"] == "EXPIRED"
    assert await sky.audit() == []


async def test_the_sweeper_expires_what_was_not_confirmed_in_time(sky: Sky) -> None:
    first = await _requested(sky, 1000)
    second = await _requested(sky, 500)
    deadline = datetime.fromisoformat(str(first["confirmBy"]))
    assert await sweeping.expire_due(sky.pool, now=deadline - timedelta(microseconds=1)) == 0
    released = await sweeping.expire_due(
        sky.pool, now=datetime.fromisoformat(str(second["confirmBy"]))
    )
    assert released == 2
    statuses = await sky.rows("SELECT status FROM conversions ORDER BY id")
    assert [row["status"] for row in statuses] == ["EXPIRED", "EXPIRED"]
    assert len(await sky.events("conversion.expired")) == 2
    assert await sky.balance() == {"balance": 10_000, "held": 0, "debt": 0}
    assert await sweeping.expire_due(sky.pool, now=deadline + timedelta(days=1)) == 0
    assert await sky.audit() == []


async def test_the_conversion_follows_its_hold(sky: Sky) -> None:
    conversion = await _requested(sky)
    hold_id = conversion["hold"]["id"]  # type: ignore[index]
    part = await sky.airline.refused(
        "captureBurn", {"holdId": hold_id, "points": 999, "idempotencyKey": new_key()}
    )
    assert part["code"] == "INVALID_AMOUNT" and "confirmed whole" in part["message"]
    await sky.airline.ok(
        "voidBurn", {"holdId": hold_id, "idempotencyKey": new_key()}, "hold { id }"
    )
    (row,) = await sky.rows("SELECT status, finalized_at IS NOT NULL AS final FROM conversions")
    assert row == {"status": "DECLINED", "final": True}
    assert len(await sky.events("conversion.declined")) == 1
    assert await sky.audit() == []


async def test_more_points_than_available_are_refused_and_nothing_is_held(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="OUT", points=5000)
    await sky.grocer.ok(
        "burnPoints",
        {"memberId": sky.ana_gid, "points": 6000, "idempotencyKey": new_key()},
        "transaction { id }",
    )
    refused = await sky.convert(sky.ana, quote["id"])
    assert [(e["code"], e["message"]) for e in refused["userErrors"]] == [
        ("INSUFFICIENT_POINTS", "5000 points requested, 4000 available")
    ]
    assert await sky.balance() == {"balance": 4_000, "held": 0, "debt": 0}
    assert await sky.rows("SELECT * FROM conversions") == []
    assert await sky.audit() == []


async def test_the_worker_loop_expires_conversions_and_forgets_unused_quotes(
    sky: Sky, monkeypatch: pytest.MonkeyPatch
) -> None:
    conversion = await _requested(sky)
    await sky.quote(sky.ana, direction="IN", points=100)  # never used
    later = datetime.fromisoformat(str(conversion["confirmBy"])) + timedelta(days=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    stop = asyncio.Event()
    running = asyncio.create_task(
        sweeping.sweep_forever(sky.pool, stop, every=timedelta(milliseconds=20))
    )
    for _ in range(200):
        if (await sky.rows("SELECT status FROM conversions"))[0]["status"] == "EXPIRED":
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(running, 5)
    assert [r["status"] for r in await sky.rows("SELECT status FROM conversions")] == ["EXPIRED"]
    assert len(await sky.rows("SELECT 1 FROM conversion_quotes")) == 1  # the used one stays
    assert await sky.audit() == []
