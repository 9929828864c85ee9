"""``exchange import FILE --partner CODE`` through typer's CliRunner."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from import_support import balance_of, earn_line, write_file
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.db import Pool
from exchange.kit.settings import get_settings

Invoke = Callable[..., Awaitable[Result]]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", database_url)
    monkeypatch.setenv("EXCHANGE_CURRENCY", "EUR")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("EXCHANGE_DATA_DIR", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(runner.invoke, app, list(args))

    yield invoke
    get_settings.cache_clear()


async def test_import_prints_a_summary_and_writes_the_error_report(
    cli: Invoke, pool: Pool, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    member = await make_member(partner)
    records = [earn_line(member, "4.00"), earn_line(member, "abc"), earn_line(member, "6.00")]
    path = write_file(tmp_path / "earns.csv", records)
    report = tmp_path / "rejected.csv"
    result = await cli("import", str(path), "--partner", partner.code, "--errors", str(report))
    assert result.exit_code == 0, result.output
    assert "3 lines read, 2 posted, 0 already imported, 1 rejected" in result.output
    with report.open(newline="") as rows:
        assert list(csv.reader(rows)) == [
            ["line", "idempotencyKey", "code", "message"],
            [
                "3",
                records[1]["idempotencyKey"],
                "INVALID_AMOUNT",
                "amount 'abc' is not a decimal number",
            ],
        ]
    assert (await balance_of(pool, member))["balance"] == 10

    again = await cli("import", str(path), "--partner", partner.code)
    assert "3 lines read, 0 posted, 2 already imported, 1 rejected" in again.output
    assert (tmp_path / "earns.csv.errors.csv").exists()


async def test_unknown_partner_and_format_are_refused(cli: Invoke, tmp_path: Path) -> None:
    path = write_file(tmp_path / "earns.jsonl", [])
    result = await cli("import", str(path), "--partner", "NOPE_NOPE")
    assert result.exit_code == 2
    assert "NOT_FOUND" in result.output or "no partner" in result.output
    odd = tmp_path / "earns.txt"
    odd.write_text("")
    result = await cli("import", str(odd), "--partner", "NOPE_NOPE")
    assert result.exit_code == 2
    assert "jsonl or .csv" in result.output
