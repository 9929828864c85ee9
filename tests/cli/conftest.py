"""The CLI pointed at the test database: EXCHANGE_DATABASE_URL set, the settings cache cleared.

Commands run in a worker thread (``asyncio.to_thread``) because they drive their own event
loop with ``asyncio.run``, and the tests' loop is already running.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest
from click.testing import Result
from typer.testing import CliRunner

from exchange.cli.main import app
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
