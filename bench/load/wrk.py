"""Load with wrk (the Debian package ``wrk``) and ``gateway.lua``: the generator of choice."""

from __future__ import annotations

import math
import os
import shutil
import subprocess
from pathlib import Path

from bench.load.spec import LoadReport, LoadSpec

SCRIPT = Path(__file__).with_name("gateway.lua")


def available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(spec: LoadSpec, workdir: Path) -> LoadReport:
    spec_file = workdir / f"spec-{spec.token}.lua"
    spec_file.write_text(spec.as_lua())
    seconds = max(1, math.ceil(spec.seconds))  # wrk takes whole seconds
    args = [
        "wrk",
        "-t",
        str(spec.threads),
        "-c",
        str(spec.connections),
        "-d",
        f"{seconds}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(SCRIPT),
        spec.url,
    ]
    done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
        args,
        env={**os.environ, "BENCH_WRK_SPEC": str(spec_file)},
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return LoadReport.parse("wrk", spec.connections, done.stdout)
