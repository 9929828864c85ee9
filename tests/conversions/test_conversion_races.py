"""Conversions under concurrency on PostgreSQL: a partner's confirmation racing the deadline's
sweepers (exactly one wins each conversion), confirmations racing each other, and one quote
executed by concurrent requests."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from conversion_support import Sky, new_key

from exchange.kit.db import Pool, open_pool, transaction
from exchange.kit.ids import expect_global_id
from partners.conversions import answering, sweeping
from partners.conversions.errors import ConversionExpired


async def _confirm(sky: Sky, pool: Pool, conversion_id: int, now: datetime) -> str:
    answer = answering.Answer(
        conversion_id=conversion_id,
        partner_id=sky.airline_id,
        caller=f"partner:{sky.airline_id}",
        idempotency_key=new_key("race"),
        text=None,
    )
    try:
        async with transaction(pool) as conn:
            await answering.confirm(conn, answer, now=now)
    except ConversionExpired:
        return "EXPIRED"
    return "COMPLETED"


async def _until_waiting(sky: Sky, sessions: int) -> None:
    """Until that many sessions of this database wait for a lock."""
    for _ in range(500):
        (row,) = await sky.rows(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock'"
        )
        if row["n"] >= sessions:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{sessions} sessions never waited for the lock")


async def test_a_confirmation_racing_the_sweepers_exactly_one_wins(
    sky: Sky, fresh_url: str
) -> None:
    requested = []
    for _ in range(16):
        quote = await sky.quote(sky.ana, direction="OUT", points=100)
        done = await sky.convert(sky.ana, quote["id"])
        conversion = done["conversion"]
        requested.append(
            (
                expect_global_id(conversion["id"], "Conversion"),
                datetime.fromisoformat(conversion["confirmBy"]),
            )
        )
    last = max(deadline for _, deadline in requested)
    pool = await open_pool(fresh_url, size=24)
    confirms = [
        _confirm(sky, pool, conversion_id, deadline - timedelta(microseconds=1))
        for conversion_id, deadline in requested
    ]
    sweeps = [sweeping.expire_due(pool, now=last) for _ in range(3)]
    # everyone queues on Ana's lock, held here, and is let go at once: half the confirmations
    # queue before the sweepers, half after (the lock's queue is first come, first served)
    async with transaction(pool) as holder:
        await holder.execute(
            "SELECT 1 FROM member_balances WHERE member_id = %s FOR UPDATE", (sky.ana_id,)
        )
        racing = []
        for group, waiting in ((confirms[:8], 8), (sweeps, 11), (confirms[8:], 19)):
            racing += [asyncio.ensure_future(work) for work in group]
            await _until_waiting(sky, waiting)
    outcomes = await asyncio.gather(*racing)
    await pool.close()
    answered = dict(zip([c for c, _ in requested], [*outcomes[:8], *outcomes[11:]], strict=True))

    final = {
        row["id"]: row["status"] for row in await sky.rows("SELECT id, status FROM conversions")
    }
    assert final == answered  # the confirmation won exactly when the conversion completed
    completed = [c for c, status in final.items() if status == "COMPLETED"]
    assert 0 < len(completed) < 16  # both won some: the race was run
    burns = await sky.rows("SELECT points FROM journal_entries WHERE kind = 'BURN'")
    assert len(burns) == len(completed)
    assert sum(outcomes[8:11]) == 16 - len(completed)  # the sweepers released the others
    finals = await sky.rows(
        "SELECT payload -> 'data' ->> 'conversionId' AS id, count(*) AS n FROM outbox_events"
        " WHERE event_type IN ('conversion.completed', 'conversion.expired') GROUP BY 1"
    )
    assert len(finals) == 16 and {row["n"] for row in finals} == {1}
    assert await sky.balance() == {"balance": 10_000 - 100 * len(completed), "held": 0, "debt": 0}
    assert await sky.audit() == []


async def test_concurrent_confirmations_under_different_keys_capture_once(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="OUT", points=700)
    conversion = (await sky.convert(sky.ana, quote["id"]))["conversion"]
    results = await asyncio.gather(
        *(sky.answer(sky.airline, "confirmConversion", conversion["id"]) for _ in range(6))
    )
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["CONVERSION_ALREADY_FINAL"] * 5 + ["OK"]
    assert len(await sky.rows("SELECT 1 FROM journal_entries WHERE kind = 'BURN'")) == 1
    assert await sky.audit() == []


async def test_one_quote_executed_by_concurrent_requests_converts_once(sky: Sky) -> None:
    quote = await sky.quote(sky.ana, direction="IN", points=1000)
    results = await asyncio.gather(*(sky.convert(sky.ana, quote["id"]) for _ in range(6)))
    codes = sorted(r["userErrors"][0]["code"] if r["userErrors"] else "OK" for r in results)
    assert codes == ["CONVERSION_QUOTE_USED"] * 5 + ["OK"]
    assert (await sky.balance())["balance"] == 11_000
    assert await sky.audit() == []
