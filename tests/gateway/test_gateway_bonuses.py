"""Bonus events over GraphQL, with real numbers: the admin sets REVIEW (50 points, at most 3
per member per calendar month), BIRTHDAY (200, once a calendar year) and SURVEY (20, no
limit); FUEL awards them. Every limit is met at its edge (the third review of March passes,
the fourth is refused, the first of April passes at midnight), a reference is awarded once,
the key is idempotent, a new version changes the points from its start, the points are FUEL's
lots, and the ledger audit holds. The event types are program-wide: a database of its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from bonus_support import (
    AWARDED,
    BIRTHDAY,
    CATALOGUE,
    REVIEW,
    SURVEY,
    Clock,
    award_input,
    member,
    partner,
)
from gateway_support import Api, member_gid, new_key, row_counts

from exchange.kit import clock
from exchange.kit.db import Pool, transaction
from exchange.ledger.audit import run_audit

END_OF_MARCH = datetime(2026, 3, 31, 23, 59, 59, 999999, tzinfo=UTC)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock(END_OF_MARCH - timedelta(hours=1))
    monkeypatch.setattr(clock, "now", moved)
    return moved


async def set_types(admin: Api, *types: dict[str, object], **more: object) -> dict[str, object]:
    done = await admin.ok(
        "setBonusEventTypes",
        {"eventTypes": list(types), "idempotencyKey": new_key("types"), **more},
        CATALOGUE,
    )
    return done["catalogue"]  # type: ignore[no-any-return]


async def audit_ok(pool: Pool) -> None:
    async with transaction(pool) as conn:
        assert [check.name for check in await run_audit(conn) if not check.ok] == []


async def test_limits_references_and_keys_with_real_numbers(
    fresh_admin: Api, fresh_client: httpx.AsyncClient, fresh_pool: Pool, moved: Clock
) -> None:
    first = await set_types(fresh_admin, REVIEW, BIRTHDAY, SURVEY)
    assert first["version"] == 1
    assert first["eventTypes"][1] == {
        "code": "REVIEW",
        "name": "Product review",
        "points": 50,
        "limit": {"count": 3, "period": "MONTH"},
    }
    fuel_id, fuel = await partner(fresh_client, fresh_pool, "FUEL")
    ana = await member(fresh_pool, fuel_id)

    # the last hour of March: three reviews pass (50, 100, 150 points), the fourth does not
    balances = []
    for ref in ("r-1", "r-2", "r-3"):
        done = await fuel.ok("awardBonus", award_input(ana, "review", ref), AWARDED)
        assert (done["transaction"]["kind"], done["transaction"]["points"]) == ("BONUS", 50)
        assert done["transaction"]["partner"] == {"code": "FUEL"}
        balances.append(done["member"]["balance"])
    assert balances == [50, 100, 150]
    before = await row_counts(fresh_pool)
    moved.at = END_OF_MARCH  # the very last microsecond of March
    refused = await fuel.refused("awardBonus", award_input(ana, "REVIEW", "r-4"))
    assert refused == {
        "code": "BONUS_LIMIT_EXCEEDED",
        "field": ["eventType"],
        "message": "REVIEW bonuses: at most 3 per calendar month per member; 3 already awarded",
    }
    refused = await fuel.refused("awardBonus", award_input(ana, "REVIEW", "r-1"))
    assert (refused["code"], refused["field"]) == ("BONUS_ALREADY_AWARDED", ["reference"])
    assert await row_counts(fresh_pool) == before  # refusals write nothing

    # midnight: April's first review passes
    moved.at = END_OF_MARCH + timedelta(microseconds=1)
    april = await fuel.ok("awardBonus", award_input(ana, "REVIEW", "r-4", "k-r4"), AWARDED)
    assert april["member"]["balance"] == 200
    # the same key and input: the same transaction, nothing more; other input: a conflict
    again = await fuel.ok("awardBonus", award_input(ana, "REVIEW", "r-4", "k-r4"), AWARDED)
    assert again["transaction"]["id"] == april["transaction"]["id"]
    assert again["member"]["balance"] == 200
    conflict = await fuel.refused("awardBonus", award_input(ana, "REVIEW", "r-5", "k-r4"))
    assert conflict["code"] == "IDEMPOTENCY_CONFLICT"

    # a birthday once a calendar year; a survey answer as often as there are answers
    assert (await fuel.ok("awardBonus", award_input(ana, "BIRTHDAY", "2026"), AWARDED))["member"][
        "balance"
    ] == 400
    refused = await fuel.refused("awardBonus", award_input(ana, "BIRTHDAY", "2026-again"))
    assert refused["message"] == (
        "BIRTHDAY bonuses: at most 1 per calendar year per member; 1 already awarded"
    )
    for answer in range(5):
        await fuel.ok("awardBonus", award_input(ana, "SURVEY", f"answer-{answer}"), AWARDED)
    assert (await fuel.refused("awardBonus", award_input(ana, "SURVEY", "answer-0")))[
        "code"
    ] == "BONUS_ALREADY_AWARDED"
    balance = await fuel.data(
        "query($id: ID!) { member(id: $id) { balance } }", {"id": member_gid(ana)}
    )
    assert balance["member"]["balance"] == 500  # 4 x 50 + 200 + 5 x 20
    await audit_ok(fresh_pool)


async def test_what_an_award_writes(
    fresh_admin: Api, fresh_client: httpx.AsyncClient, fresh_pool: Pool, moved: Clock
) -> None:
    await set_types(fresh_admin, REVIEW)
    fuel_id, fuel = await partner(fresh_client, fresh_pool, "FUEL", validity_days=180)
    ana = await member(fresh_pool, fuel_id)
    done = await fuel.ok("awardBonus", award_input(ana, "REVIEW", "review-881"), AWARDED)
    async with transaction(fresh_pool) as conn:
        cur = await conn.execute(
            "SELECT e.reason, e.issue_price, e.details, l.issuer_partner_id, l.expires_at,"
            " o.event_type, o.partner_id, o.payload -> 'data' AS data"
            " FROM journal_entries e JOIN lots l ON l.entry_id = e.id"
            " JOIN outbox_events o ON o.entry_id = e.id WHERE e.member_id = %s",
            (ana,),
        )
        row = await cur.fetchone()
    assert row is not None
    assert row["reason"] == "Bonus: Product review"
    assert str(row["issue_price"]) == "0.010000"
    assert row["issuer_partner_id"] == fuel_id
    assert row["expires_at"] == moved.at + timedelta(days=180)
    assert row["details"]["bonusEvent"] == {
        "type": "REVIEW",
        "reference": "review-881",
        "catalogue": {"id": 1, "version": 1, "effectiveFrom": moved.at.isoformat()},
        "limit": {"count": 3, "period": "MONTH", "awardedBefore": 0},
    }
    assert (row["event_type"], row["partner_id"]) == ("points.bonus_awarded", fuel_id)
    assert row["data"] == {
        "source": "BONUS_EVENT",
        "eventType": "REVIEW",
        "reference": "review-881",
        "transactionId": done["transaction"]["id"],
        "memberId": member_gid(ana),
        "points": 50,
        "balance": 50,
        "memberSequence": 1,
    }


async def test_a_new_version_applies_from_its_start(
    fresh_admin: Api, fresh_client: httpx.AsyncClient, fresh_pool: Pool, moved: Clock
) -> None:
    start = moved.at
    await set_types(fresh_admin, REVIEW, SURVEY)
    later = start + timedelta(minutes=30)
    second = await set_types(
        fresh_admin, {**REVIEW, "points": 80, "limit": None}, effectiveFrom=later.isoformat()
    )
    assert (second["version"], second["effectiveFrom"]) == (2, later.isoformat())
    fuel_id, fuel = await partner(fresh_client, fresh_pool, "FUEL")
    ana = await member(fresh_pool, fuel_id)
    assert (await fuel.ok("awardBonus", award_input(ana, "REVIEW", "a"), AWARDED))["transaction"][
        "points"
    ] == 50
    moved.at = later
    assert (await fuel.ok("awardBonus", award_input(ana, "REVIEW", "b"), AWARDED))["transaction"][
        "points"
    ] == 80
    refused = await fuel.refused("awardBonus", award_input(ana, "SURVEY", "c"))
    assert refused == {
        "code": "BONUS_EVENT_TYPE_NOT_FOUND",
        "field": ["eventType"],
        "message": "no bonus event type SURVEY is in force",
    }
    read = await fuel.data(
        "query($at: DateTime) { bonusEventTypes(at: $at) { version eventTypes { code } }"
        " bonusCatalogues { version } }",
        {"at": start.isoformat()},
    )
    assert read["bonusEventTypes"] == {
        "version": 1,
        "eventTypes": [{"code": "REVIEW"}, {"code": "SURVEY"}],
    }
    assert read["bonusCatalogues"] == [{"version": 2}, {"version": 1}]


async def test_refusals(
    fresh_admin: Api, fresh_client: httpx.AsyncClient, fresh_pool: Pool, moved: Clock
) -> None:
    fuel_id, fuel = await partner(fresh_client, fresh_pool, "FUEL")
    _, grocer = await partner(fresh_client, fresh_pool, "GROCER")
    ana = await member(fresh_pool, fuel_id)
    nothing = await fuel.refused("awardBonus", award_input(ana, "REVIEW", "x"))
    assert nothing["code"] == "BONUS_EVENT_TYPE_NOT_FOUND"  # no version at all yet
    await set_types(fresh_admin, REVIEW)
    assert (await grocer.refused("awardBonus", award_input(ana, "REVIEW", "x")))[
        "code"
    ] == "MEMBER_NOT_FOUND"  # GROCER was never shown ana
    bad = await fuel.refused("awardBonus", award_input(ana, "REVIEW", " "))
    assert (bad["code"], bad["field"]) == ("INVALID_INPUT", ["reference"])
    staff = await fresh_admin.call(
        "mutation($i: AwardBonusInput!) { awardBonus(input: $i) { userErrors { code } } }",
        {"i": award_input(ana, "REVIEW", "x")},
    )
    assert staff["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for event_type, field in (
        ({**REVIEW, "code": "9LIVES"}, "code"),
        ({**REVIEW, "points": 0}, "points"),
        ({**REVIEW, "limit": {"count": 0, "period": "DAY"}}, "limit"),
    ):
        refused = await fresh_admin.refused(
            "setBonusEventTypes",
            {"eventTypes": [SURVEY, event_type], "idempotencyKey": new_key()},
        )
        assert refused["code"] == "INVALID_INPUT"
        assert refused["field"][:3] == ["eventTypes", "1", field]
    past = await fresh_admin.refused(
        "setBonusEventTypes",
        {
            "eventTypes": [SURVEY],
            "idempotencyKey": new_key(),
            "effectiveFrom": (moved.at - timedelta(hours=1)).isoformat(),
        },
    )
    assert past["field"] == ["effectiveFrom"]
    forbidden = await fuel.call(
        "mutation($i: SetBonusEventTypesInput!) { setBonusEventTypes(input: $i) { userErrors"
        " { code } } }",
        {"i": {"eventTypes": [SURVEY], "idempotencyKey": new_key()}},
    )
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"


@pytest.mark.slow
async def test_concurrent_awards_never_pass_a_limit_or_a_reference_twice(
    fresh_admin: Api, fresh_client: httpx.AsyncClient, fresh_pool: Pool, moved: Clock
) -> None:
    await set_types(fresh_admin, REVIEW)
    fuel_id, fuel = await partner(fresh_client, fresh_pool, "FUEL")
    ana, ben = await member(fresh_pool, fuel_id), await member(fresh_pool, fuel_id)

    async def code(member_id: int, reference: str) -> str:
        payload = await fuel.mutate("awardBonus", award_input(member_id, "REVIEW", reference), "")
        return payload["userErrors"][0]["code"] if payload["userErrors"] else "OK"

    # twelve different reviews at once against a limit of 3 a month
    outcomes = await asyncio.gather(*(code(ana, f"review-{i}") for i in range(12)))
    assert sorted(outcomes) == ["BONUS_LIMIT_EXCEEDED"] * 9 + ["OK"] * 3
    # the same review six times at once, under six keys
    outcomes = await asyncio.gather(*(code(ben, "review-1") for _ in range(6)))
    assert sorted(outcomes) == ["BONUS_ALREADY_AWARDED"] * 5 + ["OK"]
    async with transaction(fresh_pool) as conn:
        cur = await conn.execute(
            "SELECT member_id, count(*) AS n, sum(points) AS points FROM bonus_awards"
            " GROUP BY member_id ORDER BY member_id"
        )
        assert [(r["member_id"], r["n"], r["points"]) for r in await cur.fetchall()] == [
            (ana, 3, 150),
            (ben, 1, 50),
        ]
    await audit_ok(fresh_pool)
