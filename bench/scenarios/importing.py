"""``import``: a partner's file of earn lines through the bulk import (``exchange import``'s
engine: COPY into staging, set-based validation, chunked set-based posting), in-process.

The figure is lines posted per second, from reading the file to the job's end."""

from __future__ import annotations

import json
import os
import random
import tempfile
import time
from pathlib import Path

from bench import memory
from bench.cpu import CpuMeter
from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.seed import Coalition, seed
from bench.sizes import SECONDS_ENV
from exchange.kit.db import Pool
from exchange.kit.settings import get_settings
from exchange.migrations import upgrade
from partners import importing
from partners.importing import Progress

UNIT = "lines/s"
LINES = {"quick": 50_000, "default": 1_000_000}
SHORT_LINES = 10_000
"""With ``BENCH_SECONDS`` set (the tests), a small file whatever the size."""


def line_count(run: Run) -> int:
    return SHORT_LINES if os.environ.get(SECONDS_ENV) else LINES[run.size.name]


def write_file(path: Path, coalition: Coalition, lines: int, currency: str) -> None:
    """Earn lines of one partner for the members it enrolled, by global id."""
    rng = random.Random(42)  # noqa: S311 - a reproducible file, not a secret
    members = [member for member, index in coalition.load_members() if index == 0]
    run_id = f"{time.time_ns():x}"
    with path.open("w") as out:
        for n in range(lines):
            record = {
                "memberId": rng.choice(members),
                "orderId": f"o-{n}",
                "amount": f"{rng.randint(100, 20000) / 100:.2f}",
                "currency": currency,
                "idempotencyKey": f"imp-{run_id}-{n}",
            }
            out.write(json.dumps(record) + "\n")


class Phases:
    """When reading (and staging) ended; posting runs alongside it, a chunk behind."""

    def __init__(self) -> None:
        self.started = time.monotonic()
        self.read_at: float | None = None

    def __call__(self, step: Progress) -> None:
        if step.phase == "staging":
            self.read_at = time.monotonic()

    def describe(self, elapsed: float) -> str:
        read = (self.read_at or self.started) - self.started
        return (
            f"read, priced and staged (COPY) in {read:.1f} s; validated and posted alongside,"
            f" done {elapsed - read:.1f} s after the last line was staged"
        )


async def _import(pool: Pool, partner_id: int, path: Path, currency: str) -> tuple[int, float, str]:
    job, _ = await importing.new_job(
        pool, partner_id=partner_id, format="JSONL", file_name=path.name
    )
    phases = Phases()
    with path.open() as text:
        done = await importing.run_job(pool, job, text, currency=currency, hook=phases)
    elapsed = time.monotonic() - phases.started
    split = phases.describe(elapsed)
    if done.lines_posted != done.lines_total:
        split += f"; only {done.lines_posted} of {done.lines_total} lines posted"
    return done.lines_posted, elapsed, split


def measure(run: Run) -> Measurement:
    size = run.size
    currency = get_settings().currency
    lines = line_count(run)
    with run.server.scratch_database("import") as url, tempfile.TemporaryDirectory() as scratch:
        upgrade(url)
        path = Path(scratch) / "earns.jsonl"
        meter = CpuMeter(
            {"bench (import)": lambda: [os.getpid()], "PostgreSQL": run.server.postgres_pids}
        )

        async def load() -> tuple[int, float, str, float | None, str]:
            async with run.pool(url, size=4) as pool:
                coalition = await seed(
                    pool, partners=1, members_count=size.members, currency=currency
                )
                write_file(path, coalition, lines, currency)
                memory.reset_peak()
                meter.start()
                posted, elapsed, split = await _import(
                    pool, coalition.partners[0].id, path, currency
                )
                return posted, elapsed, split, memory.peak_rss_mb(), meter.stop().describe()

        posted, elapsed, split, rss, cpu = run_async(load())
    return Measurement(
        figure=posted / elapsed,
        unit=UNIT,
        peak_rss_mb=rss,
        notes=[
            f"{posted} earn lines posted in {elapsed:.1f} s ({split})",
            f"one JSONL file, {size.members} members of one partner, chunks of"
            f" {importing.CHUNK_LINES} lines a transaction",
            cpu,
        ],
    )


SCENARIO = Scenario(name="import", goal=Goal(ratio_at_least=10.0), measure=measure)
