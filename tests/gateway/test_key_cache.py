"""Keys remembered by the gateway stop working as soon as they are revoked anywhere."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from exchange.gateway.app import create_app_for
from exchange.kit.db import connection, transaction
from partners.keycache import KeyCache
from partners.keys import revoke_key

QUERY = {"query": "{ __typename }"}


async def revoke(pool, key_id: int, at: datetime | None = None) -> None:  # type: ignore[no-untyped-def]
    async with transaction(pool) as conn:
        await revoke_key(conn, key_id=key_id, at=at or datetime.now(UTC))


async def test_cache_serves_from_memory_only_while_listening(pool, make_partner):
    partner = await make_partner()
    cache = KeyCache()
    lookups = 0

    def connect():  # type: ignore[no-untyped-def]
        nonlocal lookups
        lookups += 1
        return connection(pool)

    now = datetime.now(UTC)
    assert await cache.owner(connect, partner.key.secret, now=now) is not None
    assert await cache.owner(connect, partner.key.secret, now=now) is not None
    assert lookups == 2, "not listening: every request looks its key up"

    cache.listening = True
    await cache.owner(connect, partner.key.secret, now=now)
    await cache.owner(connect, partner.key.secret, now=now)
    assert lookups == 3, "listening: the second request is served from memory"

    await revoke(pool, partner.key.id)
    cache.invalidate()
    assert await cache.owner(connect, partner.key.secret, now=datetime.now(UTC)) is None
    assert lookups == 4


async def test_a_remembered_key_lapses_at_its_scheduled_revocation(pool, make_partner):
    partner = await make_partner()
    cache = KeyCache(listening=True)
    now = datetime.now(UTC)
    await revoke(pool, partner.key.id, at=now + timedelta(minutes=5))
    owner = await cache.owner(lambda: connection(pool), partner.key.secret, now=now)
    assert owner is not None
    assert await cache.owner(lambda: connection(pool), partner.key.secret, now=now) is owner
    later = now + timedelta(minutes=6)
    assert await cache.owner(lambda: connection(pool), partner.key.secret, now=later) is None


async def test_revocation_in_another_process_reaches_the_running_gateway(
    pool, gateway_settings, make_partner
):
    partner = await make_partner()
    app = create_app_for(pool, gateway_settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {partner.key.secret}"}
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for _ in range(50):  # until the listener is up and the key remembered
                assert (
                    await client.post("/graphql", json=QUERY, headers=headers)
                ).status_code == 200
                if app.state.resources.keys.listening:
                    break
                await asyncio.sleep(0.05)
            assert (await client.post("/graphql", json=QUERY, headers=headers)).status_code == 200
            await revoke(pool, partner.key.id)  # a NOTIFY at commit, as `exchange keys revoke`
            statuses = []
            for _ in range(50):
                statuses.append(
                    (await client.post("/graphql", json=QUERY, headers=headers)).status_code
                )
                if statuses[-1] == 401:
                    break
                await asyncio.sleep(0.05)
            assert statuses[-1] == 401
