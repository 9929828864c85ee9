"""``python -m bench <scenario>|all [--quick] [--data-dir DIR]``.

Measures, never judges: the exit status is 0 whether or not goals are met, 1 when a scenario
failed to run, 2 for a scenario that is not available (yet) or bad usage.
"""

from __future__ import annotations

import argparse
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.load import wrk_in_use
from bench.results import RESULTS_DIR, Baseline, Result
from bench.run import Run
from bench.scenarios import Scenario, registry
from bench.server import server_under_test
from bench.sizes import size_for

OVER_HTTP = {"gateway", "hot-partner", "balance"}
out = Console(width=140, soft_wrap=False)
err = Console(stderr=True)


@dataclass(frozen=True)
class Row:
    """A result, or why a scenario has none."""

    scenario: str
    result: Result | None = None
    problem: str | None = None
    why: str | None = None


def _arguments(names: list[str], argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks as ratios against pgbench on the same PostgreSQL, in one run.",
    )
    parser.add_argument("scenario", choices=[*names, "all"], help="what to measure")
    parser.add_argument(
        "--quick", action="store_true", help="a smoke-check size (the default size is quoted)"
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=None,
        help="data directory of the embedded server (default: a temporary one); ignored when"
        " EXCHANGE_DATABASE_URL is set",
    )
    return parser.parse_args(argv)


def _run_one(run: Run, scenario: Scenario) -> Row:
    assert scenario.measure is not None
    err.print(f"[bold]{scenario.name}[/bold] ({run.size.name})...")
    started = time.monotonic()
    try:
        baseline = run.baseline()
        measured = scenario.measure(run)
    except Exception as error:
        traceback.print_exc()
        return Row(scenario.name, problem="failed", why=f"{type(error).__name__}: {error}")
    result = Result.of(
        scenario.name,
        run.size.name,
        measured,
        baseline=Baseline.pgbench(baseline.tps),
        goal=scenario.goal,
        machine=run.server.machine,
    )
    path = result.write()
    err.print(f"  done in {time.monotonic() - started:.0f} s: {path}")
    return Row(scenario.name, result=result)


def _number(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def table(rows: list[Row]) -> Table:
    grid = Table(title="python -m bench", title_justify="left")
    for name in ("scenario", "figure", "unit", "baseline tps", "ratio"):
        grid.add_column(name, justify="left" if name in ("scenario", "unit") else "right")
    for name in ("p50 ms", "p95 ms", "p99 ms"):
        grid.add_column(name, justify="right")
    grid.add_column("goal")
    grid.add_column("met")
    for row in rows:
        result = row.result
        if result is None:
            grid.add_row(row.scenario, "-", row.problem or "", *["-"] * 7)
            continue
        latency = result.latency_ms
        met = {True: "yes", False: "no", None: "-"}[result.met]
        grid.add_row(
            result.scenario,
            _number(result.figure, 3 if result.figure < 10 else 1),
            result.unit,
            _number(result.baseline.figure if result.baseline else None),
            _number(result.ratio, 3),
            _number(latency.p50 if latency else None, 2),
            _number(latency.p95 if latency else None, 2),
            _number(latency.p99 if latency else None, 2),
            result.goal.describe() if result.goal else "-",
            met,
        )
    return grid


def report(rows: list[Row], machine: str, size: str, seconds: float) -> None:
    out.print(table(rows))
    out.print(f"machine: {machine}; size: {size}; {seconds:.0f} s in all")
    for row in rows:
        notes = row.result.notes if row.result is not None else row.why
        if notes:
            out.print(f"- {row.scenario}: {notes}", highlight=False, soft_wrap=True)
    out.print(f"JSON: {RESULTS_DIR}/<scenario>.json", highlight=False)


def main(argv: list[str] | None = None) -> int:
    scenarios = registry()
    args = _arguments(list(scenarios), argv)
    chosen = list(scenarios.values()) if args.scenario == "all" else [scenarios[args.scenario]]
    if args.scenario != "all" and (why := chosen[0].unavailable):
        err.print(f"error: {args.scenario} is not available yet: {why}")
        return 2
    size = size_for(args.quick)
    if not wrk_in_use() and any(scenario.name in OVER_HTTP for scenario in chosen):
        err.print(
            "[yellow]warning:[/yellow] wrk not found (apt-get install wrk) or BENCH_LOADGEN=python:"
            " HTTP load comes from a Python generator that takes CPU from the server; figures"
            " will be low"
        )
    started = time.monotonic()
    rows: list[Row] = []
    with server_under_test(args.data_dir) as server:
        run = Run(server=server, size=size)
        for scenario in chosen:
            if scenario.unavailable:
                rows.append(
                    Row(scenario.name, problem="not available yet", why=scenario.unavailable)
                )
                continue
            rows.append(_run_one(run, scenario))
        machine = server.machine
    report(rows, machine, size.name, time.monotonic() - started)
    failed = [row for row in rows if row.problem == "failed"]
    return 1 if failed else 0
