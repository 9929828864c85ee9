"""Expiry runs over a whole database (a scratch one, so the totals are this test's alone):
chunks, progress, idempotent re-runs, the policy, and the audit afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from expiry_support import (
    VALIDITY,
    fetch,
    inactivity,
    scratch_member,
    scratch_partner,
    scratch_pool,
)
from ledger_support import Ledger, audit_failures, base_time

from exchange.kit.db import Pool, transaction
from exchange.kit.errors import IdempotencyConflict, InvalidInput
from exchange.ledger import expiry
from exchange.ledger.expiry import ExpiryPolicy, ExpiryRun, Progress

DAY = timedelta(days=1)


@pytest.fixture
async def scratch(database_url: str) -> AsyncIterator[Pool]:
    async with scratch_pool(database_url) as pool:
        yield pool
        async with transaction(pool) as conn:
            assert await audit_failures(conn) == []


async def seed(pool: Pool, t0: datetime) -> dict[str, Any]:
    """Five members with 10, 20, 30, 40, 50 expired points and 5 spendable each; a sixth
    whose points are all still valid; a seventh that earned 400 days ago, never expiring."""
    ledger = Ledger(pool)
    short = await scratch_partner(pool, validity_days=30)
    never = await scratch_partner(pool, validity_days=None)
    due = []
    for points in (10, 20, 30, 40, 50):
        member = await scratch_member(pool, short)
        await ledger.earn(member, short, f"{points}.00", now=t0 - 40 * DAY)
        await ledger.earn(member, short, "5.00", now=t0 - DAY)
        due.append(member)
    valid = await scratch_member(pool, short)
    await ledger.earn(valid, short, "70.00", now=t0 - DAY)
    idle = await scratch_member(pool, never)
    await ledger.earn(idle, never, "80.00", now=t0 - 400 * DAY)
    return {"due": due, "valid": valid, "idle": idle}


async def balances(pool: Pool) -> dict[int, int]:
    rows = await fetch(pool, "SELECT member_id, balance FROM member_balances")
    return {row["member_id"]: row["balance"] for row in rows}


async def test_a_run_expires_chunk_by_chunk_and_reports_its_progress(scratch):
    t0 = base_time()
    seeded = await seed(scratch, t0)
    steps: list[Progress] = []

    run = await expiry.run_expiry(
        scratch, as_of=t0, policy=VALIDITY, now=lambda: t0, chunk=2, progress=steps.append
    )

    assert run == ExpiryRun(as_of=t0, members=5, points=150, entries=5, events=5)
    assert [(s.checked, s.due, s.run.points) for s in steps] == [
        (2, 5, 30),
        (4, 5, 100),
        (5, 5, 150),
    ]
    assert await balances(scratch) == {
        **{member: 5 for member in seeded["due"]},
        seeded["valid"]: 70,
        seeded["idle"]: 80,
    }
    breakage = await fetch(
        scratch,
        "SELECT sum(p.points) AS total FROM postings p JOIN accounts a ON a.id = p.account_id"
        " WHERE a.kind = 'OPERATOR_BREAKAGE'",
    )
    assert breakage[0]["total"] == 150

    again = await expiry.run_expiry(scratch, as_of=t0, policy=VALIDITY, now=lambda: t0, chunk=2)
    assert again == ExpiryRun(as_of=t0)


async def test_the_inactivity_policy_adds_members_without_activity(scratch):
    t0 = base_time()
    seeded = await seed(scratch, t0)

    run = await expiry.run_expiry(scratch, as_of=t0, policy=inactivity(365), now=lambda: t0)

    assert (run.members, run.points) == (6, 150 + 80)
    assert (await balances(scratch))[seeded["idle"]] == 0


async def test_policy_none_expires_nothing(scratch):
    t0 = base_time()
    seeded = await seed(scratch, t0)

    run = await expiry.run_expiry(scratch, as_of=t0, policy=ExpiryPolicy("none"), now=lambda: t0)

    assert run == ExpiryRun(as_of=t0)
    assert (await balances(scratch))[seeded["due"][0]] == 15


async def test_as_of_in_the_future_is_refused(scratch):
    t0 = base_time()
    with pytest.raises(InvalidInput) as refused:
        await expiry.run_expiry(scratch, as_of=t0 + DAY, policy=VALIDITY, now=lambda: t0)
    assert refused.value.field == ["asOf"]


async def test_a_key_answers_the_first_run_again(scratch):
    t0 = base_time()
    await seed(scratch, t0)
    request = {"asOf": None}

    def once(key: str, body: dict[str, Any], as_of: datetime) -> Any:
        return expiry.run_expiry_once(
            scratch,
            caller="key:1",
            key=key,
            request=body,
            as_of=as_of,
            policy=VALIDITY,
            now=lambda: t0,
        )

    first = await once("daily-1", request, t0)
    replayed = await once("daily-1", request, t0 - timedelta(seconds=5))
    fresh = await once("daily-2", request, t0)

    assert first == replayed == ExpiryRun(as_of=t0, members=5, points=150, entries=5, events=5)
    assert fresh == ExpiryRun(as_of=t0)
    with pytest.raises(IdempotencyConflict):
        await once("daily-1", {"asOf": t0.isoformat()}, t0)
    stored = await fetch(
        scratch, "SELECT caller, key FROM idempotency_records WHERE operation = 'runExpiry'"
    )
    assert sorted((r["caller"], r["key"]) for r in stored) == [
        ("key:1", "daily-1"),
        ("key:1", "daily-2"),
    ]


def test_a_run_survives_a_round_trip_through_json() -> None:
    run = ExpiryRun(as_of=datetime(2026, 1, 1, tzinfo=UTC), members=2, points=7, entries=2)
    assert ExpiryRun.from_json(run.as_json()) == run


async def test_the_worker_expires_due_points_at_start_then_waits_a_day(scratch):
    seeded = await seed(scratch, base_time())
    before = await balances(scratch)
    stop = asyncio.Event()
    daily = asyncio.create_task(expiry.expire_daily(scratch, VALIDITY, stop, every=DAY))
    for _ in range(200):  # the first run starts at once; the next one would be a day later
        if await balances(scratch) != before:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(daily, timeout=10)  # a set stop ends the day's wait at once
    after = await balances(scratch)
    assert sum(before[m] - after[m] for m in seeded["due"]) == 150
    assert after[seeded["valid"]] == before[seeded["valid"]]
