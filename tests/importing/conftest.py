"""The gateway around the session's test pool, for the upload tests (the GraphQL multipart
request spec)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from exchange.gateway.context import Resources
from exchange.gateway.schema import build_schema
from exchange.gateway.view import GatewayView
from exchange.kit.db import Pool
from exchange.kit.settings import Settings

UPLOAD_LIMIT = 64 * 1024 * 1024


@pytest.fixture(scope="session")
def import_app(pool: Pool) -> Any:
    settings = Settings(
        database_url="postgresql://unused/by-tests", currency="EUR", max_upload_bytes=UPLOAD_LIMIT
    )
    resources = Resources(settings, pool)
    view = GatewayView(build_schema(settings), resources)
    return Starlette(routes=[Route("/graphql", view)])


@pytest.fixture
async def client(import_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=import_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client
