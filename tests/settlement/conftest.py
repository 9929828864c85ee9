"""Settlement covers every entry of the ledger up to a cut-off, so each test works in a
database of its own (``fresh_pool``, from the root conftest)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from settlement_support import Coalition

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool
from exchange.kit.settings import Settings


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
