"""Exchange between programs through the gateway, each test in a database of its own
(``fresh_pool``), so the ledger audit and settlement look at its data only."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from conversion_support import Sky, make_sky

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool
from exchange.kit.settings import Settings


@pytest.fixture
def conversion_settings() -> Settings:
    return Settings(
        database_url="postgresql://unused/by-tests",
        currency="EUR",
        conversion_quote_seconds=60,
        conversion_confirm_seconds=3600,
    )


@pytest.fixture
async def client(
    fresh_pool: Pool, conversion_settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app_for(fresh_pool, conversion_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
async def sky(fresh_pool: Pool, client: httpx.AsyncClient, conversion_settings: Settings) -> Sky:
    return await make_sky(fresh_pool, client, conversion_settings)
