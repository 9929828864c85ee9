"""``exchange report program|liability`` on the worked example (program_support)."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import Result
from program_support import NOV, OCT, SEP, worked_example
from settlement_support import Coalition
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.settings import get_settings


@pytest.fixture
def cli(fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", fresh_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, app, list(args))

    yield invoke
    get_settings.cache_clear()


async def test_program_report_tables_and_csv(cli, coalition: Coalition, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await worked_example(coalition)
    figures, cohorts = tmp_path / "october.csv", tmp_path / "cohorts.csv"
    ran = await cli(
        "report",
        "program",
        "--from",
        SEP.isoformat(),
        "--to",
        NOV.isoformat(),
        "--output",
        str(figures),
        "--cohorts",
        str(cohorts),
    )
    assert ran.exit_code == 0, ran.output
    assert "Points and members" in ran.output and "Cohort retention" in ran.output
    coalition_line = next(line for line in ran.output.splitlines() if "coalition" in line)
    # September and October: 120 + 110 issued, 7 purchases of 110.00 + 72.74 = 182.74 (26.1057
    # each), 7 purchases by 3 members, nobody active in the 61 days before: no churn
    assert coalition_line.split() == [
        "coalition", "230", "50", "20", "160", "3", "7", "26.11", "EUR", "2.33", "0.0", "0.0", "0"
    ]  # fmt: skip
    with figures.open() as handle:
        assert [row["partner"] for row in csv.DictReader(handle)] == ["CAFE", "SHOP", "COALITION"]
    with cohorts.open() as handle:
        assert [row["retention_percent"] for row in csv.DictReader(handle)] == [
            "100.0",
            "50.0",
            "100.0",
        ]


async def test_liability_report_and_bad_input(cli, coalition: Coalition, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await worked_example(coalition)
    out = tmp_path / "liability.csv"
    ran = await cli("report", "liability", "--as-of", NOV.isoformat(), "--output", str(out))
    assert ran.exit_code == 0, ran.output
    assert "breakage" in ran.output and "0.24" in ran.output
    assert out.read_text().splitlines()[1].split(",")[2:] == [
        "OUTSTANDING", "CAFE", "2026-11", "35", "0.42"
    ]  # fmt: skip

    backwards = await cli("report", "program", "--from", NOV.isoformat(), "--to", OCT.isoformat())
    assert backwards.exit_code == 2 and "from must be before to (INVALID_INPUT)" in backwards.output
    naive = await cli("report", "program", "--from", "2026-10-01", "--to", NOV.isoformat())
    assert naive.exit_code == 2 and "needs a time zone offset" in naive.output
    future = await cli("report", "liability", "--as-of", "2999-01-01T00:00:00Z")
    assert future.exit_code == 2 and "in the future" in future.output
