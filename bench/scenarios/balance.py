"""``balance``: ``member { availableBalance }`` at half the gateway's top rate; p99 matters.

The top rate is the ``gateway`` scenario's figure from this invocation (measured first when
``balance`` runs alone). wrk cannot hold a fixed rate, so each connection waits an
exponential think time before each request (mean: connections / target rate), which keeps
the server at about the target rate; wrk's latency excludes the think time.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from bench.gateway_server import serving
from bench.load import LoadSpec, generator_note, run_load
from bench.results import Goal, Measurement
from bench.run import Run
from bench.scenarios import Scenario, gateway

ASSUMED_LATENCY_MS = 1.0
"""The least time a request is assumed to take, out of each connection's cycle."""


def top_rate(run: Run) -> float:
    if run.gateway_rate is None:
        gateway.measure(run)
    assert run.gateway_rate is not None
    return run.gateway_rate


def measure(run: Run) -> Measurement:
    size = run.size
    top = top_rate(run)
    target = max(top / 2, 1.0)
    cycle_ms = size.connections * 1000 / target  # per connection: think time, then request
    with (
        serving(run, "balance", partners=size.partners) as served,
        tempfile.TemporaryDirectory() as tmp,
    ):

        def spec(seconds: float, mean_delay_ms: float) -> LoadSpec:
            return LoadSpec(
                url=served.graphql_url,
                mode="balance",
                keys=served.coalition.api_keys,
                members=served.coalition.load_members(),
                seconds=seconds,
                connections=size.connections,
                mean_delay_ms=mean_delay_ms,
            )

        # The warm-up shows how long a request takes at about this rate; the measured run
        # leaves that time out of each connection's cycle.
        warm = run_load(
            spec(size.warmup_seconds, max(1.0, cycle_ms - ASSUMED_LATENCY_MS)), Path(tmp)
        )
        took_ms = max(warm.mean_latency_ms or 0.0, ASSUMED_LATENCY_MS)
        mean_delay_ms = max(1.0, cycle_ms - took_ms)
        meter = gateway.cpu_meter(served, run)
        meter.start()
        report = run_load(spec(size.seconds, mean_delay_ms), Path(tmp))
        cpu = meter.stop()
        rss = served.peak_rss_mb()
    if report.latency is None:
        raise RuntimeError("no balance query was answered")
    notes = [
        f"{report.succeeded} queries at {report.requests / report.seconds:.0f} req/s"
        f" (target {target:.0f}: half the gateway's {top:.0f} mutations/s)",
        f"{generator_note(size.connections)} with exponential think time"
        f" (mean {mean_delay_ms:.0f} ms per connection)",
    ]
    if failures := report.describe_failures():
        notes.append(failures)
    notes.append(cpu.describe())
    return Measurement(
        figure=report.latency.p99,
        unit="p99 ms",
        latency=report.latency,
        peak_rss_mb=rss,
        divide_by_baseline=False,
        notes=notes,
    )


SCENARIO = Scenario(name="balance", goal=Goal(p99_ms_at_most=5), measure=measure)
