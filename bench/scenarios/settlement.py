"""``settlement``: settle a period of burn allocations over 100 partners, against one
``GROUP BY issuer, redeemer`` over the same rows, timed on the same server in the same run.

The period is written straight into a scratch database by SQL (burn entries, each with two
lot consumptions, i.e. burn allocations, between random issuers and its redeemer), not
through the ledger's functions: the scenario measures settlement, not posting. The figure is
the median of three settlement runs (each DRAFT discarded before the next), the baseline
the median of three GROUP BYs; ratio = GROUP BY time / settlement time (goal: >= 0.5, i.e.
settling takes at most twice the GROUP BY). Peak RSS of this process is measured at a
quarter of the rows and at all of them: settlement streams aggregates, so it stays flat."""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal

from bench import memory
from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.sizes import SECONDS_ENV
from exchange.kit.db import Pool, connection
from exchange.migrations import upgrade
from settlement import batches
from settlement.batches import Asked

ALLOCATIONS = {"quick": 100_000, "default": 1_000_000}
PARTNERS = 100
PER_ENTRY = 2
ASKED = Asked(actor="bench", caller="bench")

PARTNERS_SQL = (
    "INSERT INTO partners (code, name, earn_rate, point_validity_days)"
    " SELECT 'B' || lpad(i::text, 3, '0'), 'Bench partner ' || i, 1, 365"
    " FROM generate_series(1, %s::int) i"
)
ENTRIES_SQL = (
    "INSERT INTO journal_entries (id, kind, member_id, partner_id, points, reason, occurred_at,"
    " posted_at, currency, redemption_value)"
    " SELECT i, 'BURN', 1 + i %% 10000, p.first + i %% %(partners)s, 20, 'bench burn', %(at)s,"
    "        %(at)s, 'EUR', 0.005 + (i %% 100) * 0.0001"
    " FROM generate_series(%(start)s::bigint, %(stop)s::bigint) i,"
    "      (SELECT min(id) AS first FROM partners) p"
)
ALLOCATIONS_SQL = (
    "INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,"
    " redeemer_partner_id, points)"
    " SELECT e.id * 2 + k, e.id, e.member_id, 'BURN',"
    "        p.first + (e.id * 7 + k * 13) %% %(partners)s, e.partner_id, 10"
    " FROM journal_entries e CROSS JOIN generate_series(0, 1) k,"
    "      (SELECT min(id) AS first FROM partners) p"
    " WHERE e.id BETWEEN %(start)s AND %(stop)s"
)
GROUP_BY = (
    "SELECT issuer_partner_id, redeemer_partner_id, sum(points) FROM lot_consumptions"
    " GROUP BY issuer_partner_id, redeemer_partner_id"
)


async def _load(pool: Pool, entries: range, at: datetime) -> None:
    params = {"partners": PARTNERS, "at": at, "start": entries.start, "stop": entries.stop - 1}
    async with connection(pool) as conn:
        await conn.execute(ENTRIES_SQL, params)
        await conn.execute(ALLOCATIONS_SQL, params)
        await conn.execute("VACUUM ANALYZE journal_entries")
        await conn.execute("VACUUM ANALYZE lot_consumptions")


async def _group_by(pool: Pool) -> float:
    async with connection(pool) as conn:
        started = time.perf_counter()
        await (await conn.execute(GROUP_BY)).fetchall()
        return time.perf_counter() - started


async def _settle(pool: Pool, end: datetime) -> tuple[float, int]:
    started = time.perf_counter()
    batch = await batches.run(
        pool,
        period_end=end,
        currency="EUR",
        breakage_issuer_share=Decimal("0.5"),
        asked=ASKED,
        now=end,
    )
    seconds = time.perf_counter() - started
    await batches.discard(pool, batch.id, now=end)
    return seconds, batch.entries_count


async def _measure(pool: Pool, total: int) -> dict[str, object]:
    async with connection(pool) as conn:
        await conn.execute(PARTNERS_SQL, (PARTNERS,))
    entries = total // PER_ENTRY
    at = datetime.now(UTC).replace(microsecond=0)
    await _load(pool, range(1, entries // 4 + 1), at)
    memory.reset_peak()
    await _settle(pool, datetime.now(UTC))
    quarter_rss = memory.peak_rss_mb()
    await _load(pool, range(entries // 4 + 1, entries + 1), at)
    group_by = [await _group_by(pool) for _ in range(3)]
    memory.reset_peak()
    settled = [await _settle(pool, datetime.now(UTC)) for _ in range(3)]
    return {
        "group_by": statistics.median(group_by),
        "settle": statistics.median(seconds for seconds, _ in settled),
        "entries": settled[0][1],
        "quarter_rss": quarter_rss,
        "rss": memory.peak_rss_mb(),
    }


def measure(run: Run) -> Measurement:
    total = 20_000 if os.environ.get(SECONDS_ENV) else ALLOCATIONS[run.size.name]
    with run.server.scratch_database("settlement") as url:
        upgrade(url)

        async def go() -> dict[str, object]:
            async with run.pool(url, size=2) as pool:
                return await _measure(pool, total)

        found = run_async(go())
    settle, group_by = float(found["settle"]), float(found["group_by"])  # type: ignore[arg-type]
    return Measurement(
        figure=round(settle, 3),
        unit="s to settle",
        ratio=round(group_by / settle, 3) if settle else 0.0,
        divide_by_baseline=False,
        peak_rss_mb=found["rss"],  # type: ignore[arg-type]
        notes=[
            f"{total:,} burn allocations in {found['entries']:,} burn entries over {PARTNERS}"
            f" partners: settled in {settle:.2f} s (median of 3), one GROUP BY issuer, redeemer"
            f" over the same rows {group_by:.2f} s (median of 3); ratio = GROUP BY / settle",
            f"peak RSS of the settling process: {found['quarter_rss']} MB at a quarter of the"
            f" rows, {found['rss']} MB at all of them",
            "rows written by SQL into a scratch database (not through the ledger functions)",
        ],
    )


SCENARIO = Scenario(name="settlement", goal=Goal(ratio_at_least=0.5), measure=measure)
