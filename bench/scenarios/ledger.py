"""``ledger``: the 70/30 earn/burn mix through the service layer, in-process."""

from __future__ import annotations

import os

from bench import memory
from bench.cpu import CpuMeter, CpuSplit
from bench.ledger_load import MixOutcome, run_mix
from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.seed import seed
from exchange.kit.settings import get_settings
from exchange.migrations import upgrade

UNIT = "ledger tx/s"


def own_pid() -> list[int]:
    return [os.getpid()]


def describe(outcome: MixOutcome) -> str:
    return (
        f"{outcome.committed} business transactions committed ({outcome.earns} earns,"
        f" {outcome.burns} burns) in {outcome.elapsed:.1f} s"
    )


def measure(run: Run) -> Measurement:
    size = run.size
    currency = get_settings().currency
    with run.server.scratch_database("ledger") as url:
        upgrade(url)

        meter = CpuMeter({"bench (load + ledger)": own_pid, "PostgreSQL": run.server.postgres_pids})

        async def load() -> tuple[MixOutcome, float | None, CpuSplit]:
            async with run.pool(url, size=size.workers) as pool:
                coalition = await seed(
                    pool, partners=size.partners, members_count=size.members, currency=currency
                )
                memory.reset_peak()
                meter.start()
                outcome = await run_mix(
                    pool,
                    coalition.spread(),
                    workers=size.workers,
                    seconds=size.seconds,
                    currency=currency,
                )
                return outcome, memory.peak_rss_mb(), meter.stop()

        outcome, rss, cpu = run_async(load())
    return Measurement(
        figure=outcome.per_second,
        unit=UNIT,
        latency=outcome.latency,
        peak_rss_mb=rss,
        notes=[
            describe(outcome),
            f"{size.workers} asyncio workers with a pooled connection each, {size.members}"
            f" members, {size.partners} partners; load and ledger share one Python process",
            cpu.describe(),
            *outcome.problems(),
        ],
    )


SCENARIO = Scenario(name="ledger", goal=Goal(ratio_at_least=1.0), measure=measure)
