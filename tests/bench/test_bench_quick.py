"""``python -m bench all --quick`` runs every available scenario and reports each one well.

No timing assertions: the figures depend on the machine. Only the shape of the output is
checked: one table row per scenario, and a JSON result with the keys of performance.md.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from bench.results import REQUIRED_KEYS
from bench.scenarios import registry

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]

NUMBER = re.compile(r"^-?[0-9][0-9,]*(\.[0-9]+)?$")


def bench_env(results: Path) -> dict[str, str]:
    env = {**os.environ, "BENCH_SECONDS": "2", "BENCH_RESULTS_DIR": str(results)}
    env.pop("EXCHANGE_DATABASE_URL", None)
    if test_server := os.environ.get("EXCHANGE_TEST_DATABASE_URL"):
        env["EXCHANGE_DATABASE_URL"] = test_server
    return env


def table_rows(stdout: str) -> dict[str, list[str]]:
    rows: dict[str, list[str]] = {}
    for line in stdout.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            if cells[0]:
                rows[cells[0]] = cells
    return rows


def check_json(path: Path, scenario: str) -> None:
    data = json.loads(path.read_text())
    assert tuple(data) == REQUIRED_KEYS
    assert data["scenario"] == scenario
    assert data["size"] == "quick"
    assert isinstance(data["figure"], (int, float))
    assert isinstance(data["unit"], str) and data["unit"]
    assert set(data["baseline"]) == {"name", "figure", "unit"}
    assert data["baseline"]["name"] == "pgbench tpcb" and data["baseline"]["figure"] > 0
    assert data["ratio"] is None or isinstance(data["ratio"], (int, float))
    assert data["goal"] is None or set(data["goal"]) == {
        "ratio_at_least",
        "p99_ms_at_most",
        "p95_ms_at_most",
    }
    assert data["met"] in (True, False, None)
    if data["latency_ms"] is not None:
        assert set(data["latency_ms"]) == {"p50", "p95", "p99"}
    assert re.fullmatch(r"[0-9]+ cores, PostgreSQL [0-9.]+", data["machine"])
    assert datetime.fromisoformat(data["at"].replace("Z", "+00:00")).tzinfo is not None
    assert isinstance(data["notes"], str)


def test_all_quick_prints_a_row_and_writes_json_per_scenario(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "all", "--quick"],
        cwd=ROOT,
        env=bench_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    rows = table_rows(done.stdout)
    for name, scenario in registry().items():
        assert name in rows, done.stdout
        cells = rows[name]
        assert len(cells) == 10
        if scenario.unavailable:
            assert cells[2] == "not available yet"
            assert not (tmp_path / f"{name}.json").exists()
            continue
        figure, baseline = cells[1], cells[3]
        assert NUMBER.match(figure) and NUMBER.match(baseline), cells
        assert cells[9] in ("yes", "no", "-")
        check_json(tmp_path / f"{name}.json", name)
    assert "machine: " in done.stdout
