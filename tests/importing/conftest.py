"""The gateway around the session's test pool, for the upload tests (the GraphQL multipart
request spec)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool
from exchange.kit.settings import Settings

UPLOAD_LIMIT = 64 * 1024 * 1024


@pytest.fixture(scope="session")
def import_app(pool: Pool) -> Any:
    settings = Settings(
        database_url="postgresql://unused/by-tests", currency="EUR", max_upload_bytes=UPLOAD_LIMIT
    )
    return create_app_for(pool, settings)


@pytest.fixture
async def client(import_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=import_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
