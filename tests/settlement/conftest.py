"""Settlement covers every entry of the ledger up to a cut-off, so each test gets a database
of its own: a copy of a freshly migrated template (CREATE DATABASE ... TEMPLATE)."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import httpx
import psycopg
import pytest
from settlement_support import Coalition

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, open_pool, with_database
from exchange.kit.settings import Settings
from exchange.migrations import upgrade


def _admin(database_url: str) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(with_database(database_url, "postgres"), autocommit=True)


@pytest.fixture(scope="session")
def template_database(database_url: str) -> Iterator[str]:
    name = f"settle_template_{secrets.token_hex(4)}"
    with _admin(database_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(with_database(database_url, name))
    yield name
    with _admin(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def fresh_url(database_url: str, template_database: str) -> Iterator[str]:
    name = f"settle_{secrets.token_hex(6)}"
    with _admin(database_url) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_database}"')
    yield with_database(database_url, name)
    with _admin(database_url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
async def fresh_pool(fresh_url: str) -> AsyncIterator[Pool]:
    pool = await open_pool(fresh_url, size=6)
    yield pool
    await pool.close()


@pytest.fixture
def coalition(fresh_pool: Pool) -> Coalition:
    return Coalition(fresh_pool)


@pytest.fixture
async def client(fresh_pool: Pool) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(database_url="postgresql://unused/by-tests", currency="EUR")
    app = create_app_for(fresh_pool, settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
