"""A partner's burn terms are read from memory, and a change made anywhere reaches the
memory of a running gateway at once (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import httpx
from burn_rules_support import BURN_QUOTE, eur
from gateway_support import member_gid, new_key

from exchange.gateway.app import create_app_for
from exchange.kit.db import connection, transaction
from partners import burn_rule_store, burn_terms
from partners.burn_rules.rule_sets import Terms


async def add_version(pool, code: str, terms: Terms) -> None:  # type: ignore[no-untyped-def]
    """As another process would: no forgetting in this one."""
    async with transaction(pool) as conn:
        await burn_rule_store.add_version(
            conn,
            code=code,
            effective_from=None,
            terms=terms,
            currency="EUR",
            caller="key:0",
            key=new_key("elsewhere"),
            actor="test",
            now=datetime.now(UTC),
        )


async def test_terms_are_read_once_and_again_after_a_change(pool, make_partner, monkeypatch):
    partner = await make_partner(redemption_value="0.008")
    cache = burn_terms.TermsCache(listening=True)
    reads = 0

    def connect():  # type: ignore[no-untyped-def]
        nonlocal reads
        reads += 1
        return connection(pool)

    first = await cache.terms(connect, partner.id)
    assert await cache.terms(connect, partner.id) is first
    assert reads == 1, "a burn at a partner without rules reads nothing more"
    assert first.rule_set(datetime.now(UTC)) is None
    assert first.redemption_value(datetime.now(UTC)) == Decimal("0.008")

    await add_version(pool, partner.code, Terms(minimum_points=10))
    cache.forget(partner.id)
    again = await cache.terms(connect, partner.id)
    assert reads == 2
    found = again.rule_set(datetime.now(UTC))
    assert found is not None and found.terms.minimum_points == 10

    cache.listening = False
    monkeypatch.setattr(burn_terms, "UNHEARD_TTL_SECONDS", 0.0)
    await cache.terms(connect, partner.id)
    assert reads == 3, "not listening: an entry lives only UNHEARD_TTL_SECONDS"


async def test_a_version_set_elsewhere_reaches_the_running_gateway(
    pool, gateway_settings, make_partner, make_member
):
    partner = await make_partner(earn_rate="20")
    member = await make_member(partner)
    app = create_app_for(pool, gateway_settings)
    headers = {"Authorization": f"Bearer {partner.key.secret}"}
    body = {"query": BURN_QUOTE, "variables": {"m": member_gid(member), "a": eur("50.00")}}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:

            async def version() -> int | None:
                response = await client.post("/graphql", json=body, headers=headers)
                found: int | None = response.json()["data"]["burnQuote"]["ruleVersion"]
                return found

            for _ in range(100):  # until the listener is up
                if burn_terms.CACHE.listening:
                    break
                await asyncio.sleep(0.02)
            assert burn_terms.CACHE.listening
            assert await version() is None  # remembered now
            await add_version(pool, partner.code, Terms(minimum_points=5))
            seen = []
            for _ in range(50):  # well within the 5 seconds an unheard entry lives
                seen.append(await version())
                if seen[-1] == 1:
                    break
                await asyncio.sleep(0.02)
            assert seen[-1] == 1
