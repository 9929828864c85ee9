"""The outbox partitioned by month (migration 0026): events land in their month's partition
(a clock far off: the default one), the coming months are made ahead, and a month that ended
before the retention is archived (detached into the schema outbox_archive, every row kept)
only once every event of it was fanned out and none of its deliveries is still due."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta

import psycopg
import pytest

from exchange.kit.db import Pool, transaction
from exchange.ledger import events, outbox_partitions
from exchange.ledger.outbox_partitions import add_months, month_of, partition_name

NOW = datetime.now(UTC)
RETENTION = timedelta(days=90)


async def emit(pool: Pool, at: datetime, n: int = 1) -> None:
    async with transaction(pool) as conn:
        for i in range(n):
            await events.emit(
                conn,
                event_type="points.expired",
                partner_id=None,
                member_id=None,
                member_seq=None,
                entry_id=None,
                created_at=at,
                data={"n": i},
            )


async def placed(pool: Pool) -> dict[str, int]:
    """How many events each partition holds."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT tableoid::regclass::text AS part, count(*) AS n FROM outbox_events GROUP BY 1"
        )
        return {row["part"]: row["n"] for row in await cur.fetchall()}


async def test_events_land_in_their_month_and_far_off_clocks_in_the_default(fresh_pool):
    async with transaction(fresh_pool) as conn:
        months = await outbox_partitions.online_months(conn)
    this = month_of(NOW)
    assert months[-3:] == [this, add_months(this, 1), add_months(this, 2)]
    await emit(fresh_pool, NOW, 3)
    await emit(fresh_pool, datetime(2020, 1, 15, tzinfo=UTC))
    assert await placed(fresh_pool) == {
        f"outbox_parts.{partition_name(this)}": 3,
        "outbox_parts.outbox_events_default": 1,
    }


async def test_coming_months_are_made_once_and_a_month_the_default_holds_is_left(
    fresh_pool, caplog
):
    later = add_months(month_of(NOW), 4)
    at = datetime(later.year, later.month, 10, tzinfo=UTC)
    await emit(fresh_pool, at)  # no partition yet for that month: the default holds it
    async with transaction(fresh_pool) as conn:
        with caplog.at_level(logging.WARNING, "exchange.outbox"):
            created = await outbox_partitions.ensure_months(conn, at - timedelta(days=40))
        assert created == [partition_name(add_months(later, -1))]
        assert f"the default partition holds {later} events" in caplog.text
        assert await outbox_partitions.ensure_months(conn, at - timedelta(days=40)) == []
        assert later not in await outbox_partitions.online_months(conn)


async def test_an_old_month_is_archived_once_nothing_needs_it(fresh_pool):
    old = add_months(month_of(NOW), -5)
    async with transaction(fresh_pool) as conn:
        await outbox_partitions.ensure_months(
            conn, datetime(old.year, old.month, 1, tzinfo=UTC), ahead=0
        )
    at = datetime(old.year, old.month, 20, 12, tzinfo=UTC)
    await emit(fresh_pool, at, 4)
    name = partition_name(old)

    # not yet fanned out (the fan-out horizon is below the events' transaction): kept
    async with transaction(fresh_pool) as conn:
        await conn.execute("UPDATE webhook_fanout_state SET last_xmin = '1'")
    done = await outbox_partitions.maintain(fresh_pool, now=NOW, retention=RETENTION)
    assert name in done.kept and name not in done.archived

    # fanned out, but one delivery still due: kept
    async with transaction(fresh_pool) as conn:
        await conn.execute("UPDATE webhook_fanout_state SET last_xmin = pg_current_xact_id()")
        partner = await _partner_with_endpoint(conn)
        await conn.execute(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,"
            " next_attempt_at, created_at, updated_at)"
            " SELECT min(id), %s, %s, 'PENDING', now(), now(), now() FROM outbox_events"
            " WHERE created_at = %s",
            (partner[1], partner[0], at),
        )
    done = await outbox_partitions.maintain(fresh_pool, now=NOW, retention=RETENTION)
    assert name in done.kept

    # the delivery final: archived, every row kept in the archive schema
    async with transaction(fresh_pool) as conn:
        await conn.execute("UPDATE webhook_deliveries SET status = 'SUCCEEDED'")
    done = await outbox_partitions.maintain(fresh_pool, now=NOW, retention=RETENTION)
    assert done.archived == [name] and name not in done.kept
    async with transaction(fresh_pool) as conn:
        assert old not in await outbox_partitions.online_months(conn)
        cur = await conn.execute(f"SELECT count(*) AS n FROM outbox_archive.{name}")
        assert (await cur.fetchone())["n"] == 4
        cur = await conn.execute(
            "SELECT count(*) AS n FROM outbox_events WHERE created_at = %s", (at,)
        )
        assert (await cur.fetchone())["n"] == 0
    # recent months stay, and a second run has nothing to do
    again = await outbox_partitions.maintain(fresh_pool, now=NOW, retention=RETENTION)
    assert again.archived == [] and again.created == []


async def test_the_outbox_stays_append_only_after_partitioning(fresh_pool):
    await emit(fresh_pool, NOW)
    async with transaction(fresh_pool) as conn:
        # the guard trigger, cloned to every partition
        with pytest.raises(psycopg.Error, match="append-only"):
            async with conn.transaction():
                await conn.execute("DELETE FROM outbox_events")


async def _partner_with_endpoint(conn) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    cur = await conn.execute(
        "INSERT INTO partners (code, name, status, billing, earn_rate, created_at)"
        " VALUES ('ARCH', 'Archive test', 'ACTIVE', 'POSTPAID', 1, now()) RETURNING id"
    )
    partner = (await cur.fetchone())["id"]
    cur = await conn.execute(
        "INSERT INTO webhook_endpoints (partner_id, url, event_types, signing, secret, status,"
        " from_xid, created_at, updated_at) VALUES (%s, 'https://hooks.example/in',"
        " ARRAY['points.expired'], 'HMAC_SHA256', 'sealed', 'ACTIVE', '1', now(), now())"
        " RETURNING id",
        (partner,),
    )
    return partner, (await cur.fetchone())["id"]


def test_month_arithmetic():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert month_of(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2026, 12, 1)
    assert partition_name(date(2026, 3, 1)) == "outbox_events_2026_03"
