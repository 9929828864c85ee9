"""``ledger``: the 70/30 earn/burn mix through the service layer, in-process.

The figure is postings committed per second, as performance.md defines it (counted in the
database: every earn and burn posts two); business transactions per second are in the notes
with their own ratio, so neither reading hides the other."""

from __future__ import annotations

import os

from bench import memory
from bench.cpu import CpuMeter, CpuSplit
from bench.ledger_load import MixOutcome, run_mix
from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.seed import seed
from exchange.kit.db import Pool, connection
from exchange.kit.settings import get_settings
from exchange.migrations import upgrade

UNIT = "postings/s"


def own_pid() -> list[int]:
    return [os.getpid()]


async def postings_count(pool: Pool) -> int:
    async with connection(pool) as conn:
        cursor = await conn.execute("SELECT count(*) AS n FROM postings")
        row = await cursor.fetchone()
    assert row is not None
    return int(row["n"])


def describe(outcome: MixOutcome, postings: int, baseline: float) -> str:
    per_second = outcome.per_second
    ratio = f" ({per_second / baseline:.3f} x pgbench tps)" if baseline > 0 else ""
    return (
        f"{postings} postings in {outcome.committed} business transactions committed"
        f" ({outcome.earns} earns, {outcome.burns} burns) in {outcome.elapsed:.1f} s:"
        f" {per_second:,.1f} business tx/s{ratio}"
    )


def measure(run: Run) -> Measurement:
    size = run.size
    currency = get_settings().currency
    with run.server.scratch_database("ledger") as url:
        upgrade(url)

        meter = CpuMeter({"bench (load + ledger)": own_pid, "PostgreSQL": run.server.postgres_pids})

        async def load() -> tuple[MixOutcome, int, float | None, CpuSplit]:
            async with run.pool(url, size=size.workers) as pool:
                coalition = await seed(
                    pool, partners=size.partners, members_count=size.members, currency=currency
                )
                memory.reset_peak()
                before = await postings_count(pool)
                meter.start()
                outcome = await run_mix(
                    pool,
                    coalition.spread(),
                    workers=size.workers,
                    seconds=size.seconds,
                    currency=currency,
                )
                cpu = meter.stop()
                postings = await postings_count(pool) - before
                return outcome, postings, memory.peak_rss_mb(), cpu

        outcome, postings, rss, cpu = run_async(load())
    return Measurement(
        figure=postings / outcome.elapsed if outcome.elapsed > 0 else 0.0,
        unit=UNIT,
        latency=outcome.latency,
        peak_rss_mb=rss,
        notes=[
            describe(outcome, postings, run.baseline().tps),
            f"{size.workers} asyncio workers with a pooled connection each, {size.members}"
            f" members, {size.partners} partners; load and ledger share one Python process",
            cpu.describe(),
            *outcome.problems(),
        ],
    )


SCENARIO = Scenario(name="ledger", goal=Goal(ratio_at_least=1.0), measure=measure)
