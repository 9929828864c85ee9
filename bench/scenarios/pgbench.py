"""``pgbench``: the baseline itself, TPC-B-like on a scratch database (ratio 1.0)."""

from __future__ import annotations

from bench.results import Measurement
from bench.run import Run
from bench.scenarios import Scenario


def measure(run: Run) -> Measurement:
    done = run.baseline()
    notes = [done.description]
    if done.latency_avg_ms is not None:
        notes.append(f"latency average {done.latency_avg_ms} ms")
    if done.failed:
        notes.append(f"{done.failed} failed transactions")
    return Measurement(figure=done.tps, unit="tps", notes=notes)


SCENARIO = Scenario(name="pgbench", goal=None, measure=measure)
