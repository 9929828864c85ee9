"""The CLI pointed at the test database: EXCHANGE_DATABASE_URL set, the settings cache cleared.

Commands run in a worker thread (``asyncio.to_thread``) because they drive their own event
loop with ``asyncio.run``, and the tests' loop is already running.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from cli_support import scratch_database
from click.testing import Result
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.db import Pool, open_pool
from exchange.kit.settings import get_settings

Invoke = Callable[..., Awaitable[Result]]


@pytest.fixture
def cli(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Invoke]:
    monkeypatch.setenv("EXCHANGE_DATABASE_URL", database_url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.delenv("EXCHANGE_DATA_DIR", raising=False)
    get_settings.cache_clear()
    runner = CliRunner()

    async def invoke(*args: str) -> Result:
        return await asyncio.to_thread(runner.invoke, app, list(args))

    yield invoke
    get_settings.cache_clear()


@pytest.fixture
async def scratch_pool(
    cli: Invoke, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Pool]:
    """The CLI pointed at a database of its own (for what is program-wide), and a pool on it."""
    with scratch_database(database_url, migrated=True) as url:
        monkeypatch.setenv("EXCHANGE_DATABASE_URL", url)
        get_settings.cache_clear()
        pool = await open_pool(url, size=2)
        try:
            yield pool
        finally:
            await pool.close()
