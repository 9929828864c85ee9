"""``gateway``: the same mix as GraphQL mutations over HTTP to uvicorn, closed loop."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.cpu import CpuMeter, CpuSplit, tree
from bench.gateway_server import Gateway, serving
from bench.load import LoadReport, LoadSpec, generator_note, run_load
from bench.results import Goal, Measurement
from bench.run import Run
from bench.scenarios import Scenario

UNIT = "mutations/s"
SETTLE_SECONDS = 0.5
"""Time for the requests in flight when a generator stops (one per connection) to finish."""


@dataclass(frozen=True)
class MixRun:
    report: LoadReport
    journal_entries: int
    """How many journal entries the run added (each successful mutation adds one)."""
    cpu: CpuSplit

    def notes(self) -> list[str]:
        notes = [
            f"{self.report.succeeded} mutations succeeded of {self.report.requests} responses"
            f" in {self.report.seconds:.1f} s; journal_entries +{self.journal_entries}"
        ]
        if failures := self.report.describe_failures():
            notes.append(failures)
        if abs(self.journal_entries - self.report.succeeded) > self.report.connections:
            notes.append(
                f"WARNING: journal_entries grew by {self.journal_entries} but"
                f" {self.report.succeeded} mutations succeeded"
            )
        notes.append(self.cpu.describe())
        return notes


def drive_mix(
    gateway: Gateway,
    run: Run,
    members: list[tuple[str, int]],
    *,
    seconds: float,
    workdir: Path,
    warm_up: bool = True,
) -> MixRun:
    """A warm-up, then the measured closed-loop run; journal entries are counted around it."""
    size = run.size

    def spec(duration: float) -> LoadSpec:
        return LoadSpec(
            url=gateway.graphql_url,
            mode="mix",
            keys=gateway.coalition.api_keys,
            members=members,
            seconds=duration,
            connections=size.connections,
            currency=gateway.coalition.currency,
        )

    if warm_up:
        run_load(spec(size.warmup_seconds), workdir)
        time.sleep(SETTLE_SECONDS)
    before = gateway.journal_entries()
    meter = cpu_meter(gateway, run)
    meter.start()
    report = run_load(spec(seconds), workdir)
    split = meter.stop()
    time.sleep(SETTLE_SECONDS)
    return MixRun(report=report, journal_entries=gateway.journal_entries() - before, cpu=split)


def cpu_meter(gateway: Gateway, run: Run) -> CpuMeter:
    """Gateway workers, PostgreSQL, and the load generator (a child that ends in the run)."""
    return CpuMeter(
        {"gateway": lambda: tree(gateway.pid), "PostgreSQL": run.server.postgres_pids},
        waited_children="load generator",
    )


def measure(run: Run) -> Measurement:
    size = run.size
    with (
        serving(run, "gateway", partners=size.partners) as gateway,
        tempfile.TemporaryDirectory() as tmp,
    ):
        mix = drive_mix(
            gateway,
            run,
            gateway.coalition.load_members(),
            seconds=size.seconds,
            workdir=Path(tmp),
        )
        rss = gateway.peak_rss_mb()
    run.gateway_rate = mix.report.per_second
    return Measurement(
        figure=mix.report.per_second,
        unit=UNIT,
        latency=mix.report.latency,
        peak_rss_mb=rss,
        notes=[
            *mix.notes(),
            f"{generator_note(size.connections)}, {gateway.workers} uvicorn workers"
            f" (peak RSS is theirs together), {size.members} members, {size.partners} partners;"
            " load generator, gateway and PostgreSQL share the machine",
        ],
    )


SCENARIO = Scenario(
    name="gateway", goal=Goal(ratio_at_least=0.5, p99_ms_at_most=25), measure=measure
)
