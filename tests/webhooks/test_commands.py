"""``exchange webhooks rotate-signing-key`` and ``exchange serve --with-worker`` (the app it
runs: the gateway with a delivery worker in its lifespan)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
from typer.testing import CliRunner
from webhooks_support import SECRET_KEY, Api, eventually, gid, new_key, rows

from exchange.cli.main import app as cli_app
from exchange.gateway import app as app_module
from exchange.kit.settings import get_settings


def _settings_env(monkeypatch, database_url):
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", database_url)
    monkeypatch.setenv("EXCHANGE_SECRET_KEY", SECRET_KEY)
    monkeypatch.setenv("EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS", "1")
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("EXCHANGE_DATA_DIR", raising=False)
    get_settings.cache_clear()


async def test_rotate_signing_key_adds_a_key_and_retires_the_others_after_the_overlap(
    pool, database_url, monkeypatch, public_keys, client
):
    _settings_env(monkeypatch, database_url)
    try:
        result = await asyncio.to_thread(
            CliRunner().invoke, cli_app, ["webhooks", "rotate-signing-key", "--overlap-hours", "2"]
        )
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    live = await rows(pool, "SELECT kid, public_key, retires_at FROM webhook_signing_keys")
    new = [key for key in live if key["retires_at"] is None]
    assert len(new) == 1 and new[0]["kid"] in result.output
    expected = datetime.now(UTC) + timedelta(hours=2)
    for key in live:
        if key["public_key"] in public_keys:
            assert abs(key["retires_at"] - expected) < timedelta(minutes=1)
    published = (await client.get("/.well-known/webhook-keys")).json()["keys"]
    assert published[0]["kid"] == new[0]["kid"] and published[0]["notAfter"] is None
    assert {key["publicKey"] for key in published} >= set(public_keys)
    assert all(key["notAfter"] for key in published[1:])


async def test_serve_with_worker_delivers_from_the_gateway_process(
    database_url, monkeypatch, receiver, make_partner, make_member
):
    _settings_env(monkeypatch, database_url)
    monkeypatch.setenv("EXCHANGE_POOL_SIZE", "4")
    try:
        app = app_module.create_app_with_worker()
        partner = await make_partner()
        member = await make_member(partner)
        hook = receiver.hook()
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                api = Api(client, partner.key.secret)
                created = await api.ok(
                    "createWebhookEndpoint",
                    {
                        "url": receiver.url(hook.name),
                        "eventTypes": ["points.earned"],
                        "signing": "HMAC_SHA256",
                    },
                    "secret",
                )
                hook.hmac_secret = created["secret"]
                await api.ok(
                    "earnPoints",
                    {
                        "memberId": gid("Member", member),
                        "amount": {"amount": "5.00", "currency": "EUR"},
                        "idempotencyKey": new_key(),
                    },
                    "__typename",
                )
                assert await eventually(lambda: bool(receiver.at(hook)), within=30)
    finally:
        get_settings.cache_clear()
    [got] = receiver.at(hook)
    assert got.verified and got.event["type"] == "points.earned"


def test_the_commands_are_there():
    runner = CliRunner()
    assert "--with-worker" in runner.invoke(cli_app, ["serve", "--help"]).output
    assert "--concurrency" in runner.invoke(cli_app, ["worker", "--help"]).output
    assert "rotate-signing-key" in runner.invoke(cli_app, ["webhooks", "--help"]).output
