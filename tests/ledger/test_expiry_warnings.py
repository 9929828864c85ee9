"""``points.expiring`` warnings with a moved clock: 30 days ahead of the UTC date a member's
lots expire, one event per member and date (every lot of the date summed, what is left of
it), to the enrolling partner, never twice: not on a second run, not from two runs at once
(several workers), not for a closed member. The worker warns after its daily expiry."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger_support import Ledger, audit_failures, base_time

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import expiry, members
from exchange.ledger.expiry import ExpiryPolicy
from exchange.ledger.expiry_warnings import warn_expiring
from partners import registry

T0 = datetime(2026, 1, 10, 8, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def partner(pool: Pool, code: str, validity: int) -> int:
    async with transaction(pool) as conn:
        made, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=code,
                earn_rate=Decimal("1"),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=validity,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return made.id


async def member(pool: Pool, partner_id: int) -> int:
    async with transaction(pool) as conn:
        return await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner_id, now=T0 - 10 * DAY
        )


async def warnings(pool: Pool) -> list[dict[str, Any]]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT partner_id, member_id, payload -> 'data' AS data FROM outbox_events"
            " WHERE event_type = 'points.expiring'"
            " ORDER BY member_id, payload -> 'data' ->> 'expiresOn'"
        )
        return [dict(row) for row in await cur.fetchall()]


async def test_thirty_days_ahead_once_per_member_and_date(fresh_pool: Pool) -> None:
    ledger = Ledger(fresh_pool)
    fuel = await partner(fresh_pool, "FUEL", 40)  # T0's lots expire on 19 February
    grocer = await partner(fresh_pool, "GROCER", 45)  # on 24 February
    ana, ben, cleo = [await member(fresh_pool, fuel) for _ in range(3)]
    await ledger.link(ana, grocer)
    await ledger.earn(ana, fuel, "100.00", now=T0)  # 08:00
    await ledger.earn(ana, fuel, "50.00", now=T0 + timedelta(hours=15))  # 23:00, same date
    await ledger.earn(ana, grocer, "70.00", now=T0)
    await ledger.earn(ben, fuel, "80.00", now=T0)
    await ledger.burn(ben, fuel, 30, now=T0 + DAY)  # 50 of his lot are left
    await ledger.earn(cleo, fuel, "60.00", now=T0)
    async with transaction(fresh_pool) as conn:
        await members.close(conn, cleo, T0 + DAY)

    # 19 February is 40 days away on 10 January, 31 days on 19 January: nothing yet
    assert (await warn_expiring(fresh_pool, as_of=T0 + 9 * DAY, days=30)).warnings == 0
    # 20 January 08:00: 19 February 23:00 is more than 30 days away, but its date is not
    done = await warn_expiring(fresh_pool, as_of=T0 + 10 * DAY, days=30, now=T0 + 10 * DAY)
    assert done.warnings == 2
    assert await warnings(fresh_pool) == [
        {
            "partner_id": fuel,
            "member_id": ana,
            "data": {
                "memberId": to_global_id("Member", ana),
                "points": 150,
                "expiresOn": "2026-02-19",
                "expiresAt": "2026-02-19T08:00:00.000000+00:00",
                "balance": 220,
                "asOf": "2026-01-20T08:00:00.000000+00:00",
                "memberSequence": 3,
            },
        },
        {
            "partner_id": fuel,
            "member_id": ben,
            "data": {
                "memberId": to_global_id("Member", ben),
                "points": 50,
                "expiresOn": "2026-02-19",
                "expiresAt": "2026-02-19T08:00:00.000000+00:00",
                "balance": 50,
                "asOf": "2026-01-20T08:00:00.000000+00:00",
                "memberSequence": 2,
            },
        },
    ]
    # the next day: 19 February is warned of already; nothing is due yet for the 24th
    assert (await warn_expiring(fresh_pool, as_of=T0 + 11 * DAY, days=30)).warnings == 0
    # 25 January: ana's GROCER date, once
    assert (await warn_expiring(fresh_pool, as_of=T0 + 15 * DAY, days=30)).warnings == 1
    assert (await warn_expiring(fresh_pool, as_of=T0 + 16 * DAY, days=30)).warnings == 0
    found = await warnings(fresh_pool)
    assert [(w["member_id"], w["data"]["expiresOn"], w["data"]["points"]) for w in found] == [
        (ana, "2026-02-19", 150),
        (ana, "2026-02-24", 70),
        (ben, "2026-02-19", 50),
    ]
    assert (await warn_expiring(fresh_pool, as_of=T0 + 16 * DAY, days=0)).warnings == 0
    async with transaction(fresh_pool) as conn:
        assert await audit_failures(conn) == []


async def test_two_runs_at_once_warn_once(fresh_pool: Pool) -> None:
    ledger = Ledger(fresh_pool)
    shop = await partner(fresh_pool, "SHOP", 40)
    crowd = [await member(fresh_pool, shop) for _ in range(40)]
    for n, someone in enumerate(crowd):
        await ledger.earn(someone, shop, "10.00", now=T0 + (n % 2) * 2 * DAY)  # two dates
    runs = await asyncio.gather(
        *(warn_expiring(fresh_pool, as_of=T0 + 12 * DAY, days=30, chunk=7) for _ in range(3))
    )
    assert sum(run.warnings for run in runs) == 40
    found = await warnings(fresh_pool)
    assert len(found) == 40 and len({w["member_id"] for w in found}) == 40


async def test_the_worker_warns_after_its_daily_expiry(fresh_pool: Pool) -> None:
    ledger = Ledger(fresh_pool)
    shop = await partner(fresh_pool, "SHOP", 20)  # expires in 18 days from the real now
    someone = await member(fresh_pool, shop)
    await ledger.earn(someone, shop, "10.00", now=base_time())
    stop = asyncio.Event()
    policy = ExpiryPolicy("lot_validity")
    daily = asyncio.create_task(
        expiry.expire_daily(fresh_pool, policy, stop, every=DAY, warning_days=30)
    )
    for _ in range(200):
        if await warnings(fresh_pool):
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(daily, timeout=10)
    (warned,) = await warnings(fresh_pool)
    assert (warned["member_id"], warned["data"]["points"]) == (someone, 10)
