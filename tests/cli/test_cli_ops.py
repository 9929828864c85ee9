"""The runbook's dead letter commands: listed and replayed by endpoint. On a database of the
test's own (the webhook tests leave dead letters behind)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cli_support import one_line_error
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import Settings, get_settings
from exchange.ledger import events
from partners import registry
from partners.webhooks import endpoints
from partners.webhooks.endpoints import NewEndpoint, Policy

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def ops_cli(fresh_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", fresh_url)
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    runner = CliRunner()

    async def invoke(*args: str):  # type: ignore[no-untyped-def]
        return await asyncio.to_thread(runner.invoke, app, list(args))

    yield invoke
    get_settings.cache_clear()


async def _partner(pool: Pool, code: str) -> int:
    async with transaction(pool) as conn:
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=code,
                earn_rate=Decimal(1),
                issue_price=Decimal("0.010"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=NOW,
        )
    return partner.id


async def _dead_deliveries(pool: Pool, partner_id: int, endpoint_id: int, count: int) -> None:
    async with transaction(pool) as conn:
        for n in range(count):
            await events.emit(
                conn,
                event_type="webhook.test",
                partner_id=partner_id,
                member_id=None,
                member_seq=None,
                entry_id=None,
                created_at=NOW,
                data={"n": n},
            )
        await conn.execute(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,"
            " attempts, next_attempt_at, last_error, created_at, updated_at)"
            " SELECT id, %s, partner_id, 'DEAD', 10, %s, 'connect timeout', %s, %s"
            " FROM outbox_events WHERE partner_id = %s",
            (endpoint_id, NOW, NOW, NOW, partner_id),
        )


async def test_dead_letters_are_listed_and_replayed_by_endpoint(ops_cli, fresh_pool):
    assert "No dead letters." in (await ops_cli("webhooks", "dead-letters")).output
    partner_id = await _partner(fresh_pool, "FUEL")
    box = SecretBox.from_settings(Settings(secret_key="s" * 16 + "t" * 16))  # type: ignore[arg-type]
    endpoint, _ = await endpoints.create(
        fresh_pool,
        box,
        Policy(production=False, allow_private=True),
        partner_id=partner_id,
        new=NewEndpoint("https://hooks.fuel.example/in", ["points.earned"], "HMAC_SHA256"),
        now=NOW,
        caller="test",
    )
    await _dead_deliveries(fresh_pool, partner_id, endpoint.id, 3)
    endpoint_gid = to_global_id("WebhookEndpoint", endpoint.id)

    listed = await ops_cli("webhooks", "dead-letters")
    assert listed.exit_code == 0, listed.output
    row = next(line for line in listed.output.splitlines() if endpoint_gid in line)
    expected = "FUEL https://hooks.fuel.example/in ACTIVE 3 connect timeout"
    assert row.split()[1:] == expected.split()

    replayed = await ops_cli("webhooks", "replay-dead-letters", endpoint_gid)
    assert replayed.exit_code == 0, replayed.output
    assert "3 dead deliveries due again now" in replayed.output
    async with transaction(fresh_pool) as conn:
        cur = await conn.execute(
            "SELECT status, count(*) AS n FROM webhook_deliveries WHERE endpoint_id = %s"
            " GROUP BY status",
            (endpoint.id,),
        )
        assert {r["status"]: r["n"] for r in await cur.fetchall()} == {"PENDING": 3}
    assert "No dead letters." in (await ops_cli("webhooks", "dead-letters")).output


async def test_replaying_an_unknown_endpoint_is_one_line(ops_cli):
    assert "no webhook endpoint" in one_line_error(
        await ops_cli("webhooks", "replay-dead-letters", "nonsense")
    )
    missing = to_global_id("WebhookEndpoint", 999_999)
    assert "no webhook endpoint" in one_line_error(
        await ops_cli("webhooks", "replay-dead-letters", missing)
    )
