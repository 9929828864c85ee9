"""``exchange settle ...`` and ``exchange audit`` on a database of their own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result
from settlement_support import Coalition
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.db import transaction
from exchange.kit.settings import get_settings

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)


@pytest.fixture
def cli(fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", fresh_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(CliRunner().invoke, app, list(args))

    yield invoke
    get_settings.cache_clear()


async def test_run_approve_pay_export_and_audit(cli, coalition: Coalition, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    member = await coalition.member(shop)
    await coalition.ledger.earn(member, shop, "150.00", now=T0)
    end = (T0 + timedelta(days=1)).isoformat()

    ran = await cli("settle", "run", "--period-end", end)
    assert ran.exit_code == 0, ran.output
    assert "Batch 1: DRAFT, 1 entries" in ran.output and "1.50" in ran.output
    again = await cli("settle", "run", "--period-end", end)
    assert again.exit_code == 2 and "SETTLEMENT_DRAFT_EXISTS" in again.output
    assert (await cli("settle", "approve", "1")).exit_code == 0
    paid = await cli("settle", "pay", "1", "--reference", "SEPA-1")
    assert paid.exit_code == 0 and "PAID" in paid.output
    assert "SEPA-1" in (await cli("settle", "list")).output

    exported = await cli("settle", "export", "1", "--output", str(tmp_path / "b.json"))
    assert exported.exit_code == 0, exported.output
    document = json.loads((tmp_path / "b.json").read_text())
    assert document["statements"][0]["net"] == "1.50"
    assert document["entries"] == 1

    audited = await cli("audit")
    assert audited.exit_code == 0, audited.output
    async with transaction(coalition.pool) as conn:  # a posting whose account does not exist
        await conn.execute(
            "INSERT INTO journal_entries (kind, member_id, partner_id, points, reason,"
            " occurred_at) VALUES ('ADJUSTMENT', %s, 987654, 0, 'broken', now())",
            (member,),
        )
    broken = await cli("audit")
    assert broken.exit_code == 1 and "VIOLATED" in broken.output


async def test_a_bad_cut_off_is_one_line(cli) -> None:  # type: ignore[no-untyped-def]
    result = await cli("settle", "run", "--period-end", "2026-11-30T23:59:59")
    assert result.exit_code == 2
    assert "needs a time zone offset" in result.output
