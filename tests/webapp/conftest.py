"""The member web app's tests: each gets a database of its own (``fresh_pool``, a copy of a
freshly migrated template), so the ledger audit looks at its data only."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from browser_support import launched
from web_client import CodeLog, Web, WebClient
from webapp_support import Program

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool
from exchange.kit.settings import Settings


@pytest.fixture
def program(fresh_pool: Pool) -> Program:
    return Program(fresh_pool)


@pytest.fixture
def code_log() -> Iterator[CodeLog]:
    handler = CodeLog()
    logger = logging.getLogger("exchange.portal")
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)


@pytest.fixture
def web_settings() -> Settings:
    return Settings(database_url="postgresql://unused/by-tests", transfer_daily_limit_points=1000)


@pytest.fixture
async def web(fresh_pool: Pool, web_settings: Settings, code_log: CodeLog) -> AsyncIterator[Web]:
    """``web()``: a new browser-like client (its own cookies) of one app."""
    app = create_app_for(fresh_pool, web_settings)
    clients: list[httpx.AsyncClient] = []

    def make() -> WebClient:
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        )
        clients.append(client)
        return WebClient(client, code_log)

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def browser() -> AsyncIterator[Any]:
    """Debian's chromium, headless (the browser tests skip without it)."""
    async with launched() as running:
        yield running
