"""The demo coalition: seeded through the real ledger, once, however often serve --demo runs."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from decimal import Decimal as D

import pytest
from cli_support import scratch_database

from exchange.cli import demo
from exchange.kit.db import open_pool, transaction
from exchange.ledger.audit import run_audit
from partners import registry
from partners.conversions import store as conversion_store
from partners.keys import authenticate


@pytest.fixture
async def own_pool(database_url):
    """A database of its own, so the demo's fixed emails and codes meet no other test."""
    with scratch_database(database_url, migrated=True) as url:
        pool = await open_pool(url, size=2)
        yield pool
        await pool.close()


async def snapshot(pool):
    async with transaction(pool) as conn:
        partners = await registry.list_partners(conn)
        members = await demo.demo_members(conn, datetime.now(UTC))
    return [p.code for p in partners], {m.email: m.balance for m in members}


async def test_seeding_twice_seeds_once(own_pool):
    first = await demo.seed(own_pool, currency="EUR", now=datetime.now(UTC))
    assert first.created
    assert [(k.role, k.partner_code) for k in first.keys] == [
        ("partner", "FUEL"),
        ("partner", "GROCER"),
        ("partner", "AIRLINE"),
        ("admin", None),
    ]
    codes, balances = await snapshot(own_pool)
    assert codes == ["FUEL", "GROCER", "AIRLINE"]
    # FUEL 1 point per EUR, GROCER and AIRLINE 2: floor(amount x rate) per purchase
    assert balances == {
        "ana@example.com": 60 + 91,
        "ben@example.com": 840,
        "chloe@example.com": 25 + 35,
    }
    second = await demo.seed(own_pool, currency="EUR", now=datetime.now(UTC))
    assert not second.created and second.keys == ()
    assert [m.balance for m in second.members] == [m.balance for m in first.members]
    assert await snapshot(own_pool) == (codes, balances)
    async with transaction(own_pool) as conn:
        (sky,) = await conversion_store.currencies(conn)
        versions = (await conversion_store.versions_of(conn, [sky.id]))[sky.id]
    assert (sky.code, sky.name, len(versions)) == ("SKY", "SkyMiles", 1)
    assert (versions[0].terms.into.rate, versions[0].terms.out.rate) == (D("0.8"), D("1.25"))


async def test_demo_keys_authenticate_and_the_ledger_is_consistent(own_pool):
    coalition = await demo.seed(own_pool, currency="EUR", now=datetime.now(UTC))
    async with transaction(own_pool) as conn:
        for key in coalition.keys:
            owner = await authenticate(conn, key.secret, now=datetime.now(UTC))
            assert owner is not None and owner.role == key.role
        checks = await run_audit(conn)
    assert [c for c in checks if not c.ok] == []


def test_earn_curl_is_one_shell_command_with_the_mutation():
    line = demo.earn_curl(
        url="http://127.0.0.1:8000/graphql",
        key="ptk_12345678_abc",
        member_id="TWVtYmVyOjE",
        currency="EUR",
    )
    assert "\n" not in line
    words = shlex.split(line)
    assert words[:3] == ["curl", "-sS", "http://127.0.0.1:8000/graphql"]
    assert "Authorization: Bearer ptk_12345678_abc" in words
    body = json.loads(words[words.index("-d") + 1])
    assert "earnPoints(input: $input)" in body["query"]
    assert "userErrors { code message }" in body["query"]
    assert body["variables"]["input"] == {
        "memberId": "TWVtYmVyOjE",
        "orderId": "DEMO-ORDER-1",
        "amount": {"amount": "25.00", "currency": "EUR"},
        "idempotencyKey": "demo-earn-1",
    }
    without_key = demo.earn_curl(url="http://x/graphql", key=None, member_id="m", currency="EUR")
    assert '"Authorization: Bearer $PARTNER_KEY"' in without_key
