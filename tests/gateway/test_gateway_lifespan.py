"""``create_app()`` as the CLI runs it: its own pool from settings, and the hold sweeper."""

from __future__ import annotations

import asyncio

import httpx
from gateway_support import Api, member_gid, new_key

from exchange.gateway import app as app_module
from exchange.kit.db import transaction
from exchange.kit.settings import get_settings


async def test_create_app_opens_its_pool_and_sweeps_expired_holds(
    database_url, monkeypatch, make_partner, make_member, pool
):
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", database_url)
    monkeypatch.setenv("EXCHANGE_POOL_SIZE", "3")
    monkeypatch.setenv("EXCHANGE_HOLD_SWEEP_INTERVAL_SECONDS", "0.2")
    get_settings.cache_clear()
    try:
        app = app_module.create_app()
        partner = await make_partner()
        member = await make_member(partner)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
                assert (await client.get("/healthz")).status_code == 200
                api = Api(client, partner.key.secret)
                await api.ok(
                    "earnPoints",
                    {
                        "memberId": member_gid(member),
                        "amount": {"amount": "10.00", "currency": "EUR"},
                        "idempotencyKey": new_key(),
                    },
                    "__typename",
                )
                held = await api.ok(
                    "authorizeBurn",
                    {
                        "memberId": member_gid(member),
                        "points": 10,
                        "ttlSeconds": 1,
                        "idempotencyKey": new_key(),
                    },
                    "hold { id status }",
                )
                assert held["hold"]["status"] == "AUTHORIZED"
                await asyncio.sleep(1.8)
                async with transaction(pool) as conn:
                    cur = await conn.execute(
                        "SELECT h.status, b.held FROM holds h JOIN member_balances b"
                        " ON b.member_id = h.member_id WHERE h.member_id = %s",
                        (member,),
                    )
                    row = await cur.fetchone()
                assert row == {"status": "EXPIRED", "held": 0}
                after = await api.data(
                    "query($id: ID!) { member(id: $id) { availableBalance } }",
                    {"id": member_gid(member)},
                )
                assert after["member"]["availableBalance"] == 10
    finally:
        get_settings.cache_clear()
