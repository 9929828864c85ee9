"""HTTP load generators, always in a process of their own: wrk, or a Python fallback."""

from __future__ import annotations

import os
from pathlib import Path

from bench.load import pyload, wrk
from bench.load.spec import LoadReport, LoadSpec

GENERATOR_ENV = "BENCH_LOADGEN"
"""``python`` forces the Python fallback even when wrk is installed (tests use it)."""


def wrk_in_use() -> bool:
    return os.environ.get(GENERATOR_ENV, "wrk") != "python" and wrk.available()


def run_load(spec: LoadSpec, workdir: Path) -> LoadReport:
    if wrk_in_use():
        return wrk.run_wrk(spec, workdir)
    return pyload.run_python(spec, workdir)


def generator_note(connections: int) -> str:
    if wrk_in_use():
        return f"wrk, {connections} connections"
    return (
        f"WARNING: Python load generator (httpx, {connections} connections; wrk not found or"
        f" {GENERATOR_ENV}=python) - it takes CPU from the server, figures are low"
    )


__all__ = ["LoadReport", "LoadSpec", "generator_note", "run_load", "wrk_in_use"]
