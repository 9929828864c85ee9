"""The baseline: pgbench's TPC-B-like script in a scratch database of the server under test."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass

from bench.server import Server, program
from bench.sizes import Size

CLIENTS = 8
THREADS = 2
_TPS = re.compile(r"^tps = ([0-9.]+)", re.MULTILINE)
_FAILED = re.compile(r"^number of failed transactions: ([0-9]+)", re.MULTILINE)
_LATENCY = re.compile(r"^latency average = ([0-9.]+) ms", re.MULTILINE)


@dataclass(frozen=True)
class PgbenchRun:
    tps: float
    failed: int
    latency_avg_ms: float | None
    scale: int
    seconds: int

    @property
    def description(self) -> str:
        return (
            f"pgbench -i -s {self.scale}, then TPC-B-like -M prepared -c {CLIENTS} -j {THREADS}"
            f" -T {self.seconds}"
        )


def parse_pgbench(output: str) -> tuple[float, int, float | None]:
    """tps (without initial connection time), failed transactions, average latency."""
    tps = _TPS.search(output)
    if tps is None:
        raise RuntimeError(f"pgbench printed no tps:\n{output[-2000:]}")
    failed = _FAILED.search(output)
    latency = _LATENCY.search(output)
    return (
        float(tps.group(1)),
        int(failed.group(1)) if failed else 0,
        float(latency.group(1)) if latency else None,
    )


def _run(args: list[str], timeout: float) -> str:
    done = subprocess.run(  # noqa: S603 - our own pgbench, arguments built here
        args, capture_output=True, text=True, timeout=timeout, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args[:3])}... failed:\n{done.stderr[-2000:]}")
    return done.stdout + done.stderr


def run_pgbench(server: Server, size: Size) -> PgbenchRun:
    pgbench = str(program("pgbench"))
    with server.scratch_database("pgbench") as url:
        # Server-side data generation (G): the same tables, several times faster to build.
        _run([pgbench, "-i", "-s", str(size.pgbench_scale), "-I", "dtGvp", "-q", url], 300)
        output = _run(
            [
                pgbench,
                "-M",
                "prepared",
                "-c",
                str(CLIENTS),
                "-j",
                str(THREADS),
                "-T",
                str(size.pgbench_seconds),
                url,
            ],
            size.pgbench_seconds + 120,
        )
    tps, failed, latency = parse_pgbench(output)
    return PgbenchRun(
        tps=tps,
        failed=failed,
        latency_avg_ms=latency,
        scale=size.pgbench_scale,
        seconds=size.pgbench_seconds,
    )
