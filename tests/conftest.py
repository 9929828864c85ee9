"""Tests run against a real PostgreSQL: the embedded server (started once per session, in a
temporary directory) or ``EXCHANGE_TEST_DATABASE_URL``."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from exchange.kit import embedded
from exchange.kit.db import Pool, ensure_database, open_pool, transaction, with_database
from exchange.ledger import members
from exchange.migrations import upgrade
from partners import registry
from partners.keys import IssuedKey


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--long",
        action="store_true",
        default=False,
        help="chaos tests at full size: 20,000 operations, 10 crash cycles (tests/chaos)",
    )


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    configured = os.environ.get("EXCHANGE_TEST_DATABASE_URL")
    # Not under pytest's basetemp: a concurrent pytest run prunes old basetemp folders, and
    # with them the data directory of a server still in use.
    scratch = Path(tempfile.mkdtemp(prefix="exchange-test-pg-"))
    server = configured or embedded.start(scratch / "data")
    name = f"exchange_test_{secrets.token_hex(4)}"
    ensure_database(server, name)
    url = with_database(server, name)
    upgrade(url)
    yield url
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    if not configured:
        embedded.stop()
    shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture(scope="session")
async def pool(database_url: str) -> AsyncIterator[Pool]:
    opened = await open_pool(database_url, size=40)
    yield opened
    await opened.close()


_codes = itertools.count(1)


@dataclass(frozen=True)
class TestPartner:
    id: int
    code: str
    key: IssuedKey


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def make_partner(pool: Pool):  # type: ignore[no-untyped-def]
    async def make(
        *,
        earn_rate: str = "1",
        issue_price: str = "0.010",
        redemption_value: str = "0.008",
        validity_days: int | None = 365,
    ) -> TestPartner:
        code = f"P{os.getpid()}_{next(_codes)}_{secrets.token_hex(2).upper()}"
        async with transaction(pool) as conn:
            partner, key = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=code,
                    name=f"Partner {code}",
                    earn_rate=Decimal(earn_rate),
                    issue_price=Decimal(issue_price),
                    redemption_value=Decimal(redemption_value),
                    currency="EUR",
                    point_validity_days=validity_days,
                ),
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
        return TestPartner(id=partner.id, code=partner.code, key=key)

    return make


@pytest.fixture
def make_member(pool: Pool):  # type: ignore[no-untyped-def]
    async def make(partner: TestPartner | None = None, **identifiers: str) -> int:
        async with transaction(pool) as conn:
            return await members.enroll(
                conn,
                enrolment=members.Enrolment(**identifiers),
                partner_id=partner.id if partner else None,
                now=datetime.now(UTC),
            )

    return make


# --- a database of a test's own, for what reads the whole ledger (settlement, reports) ---


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
