"""The gateway around the session's test pool, and API clients per role."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from gateway_support import Api

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, transaction
from exchange.kit.settings import Settings
from partners import earn_rule_cache, keys


@pytest.fixture(scope="session")
def gateway_settings() -> Settings:
    return Settings(
        database_url="postgresql://unused/by-tests",
        currency="EUR",
        max_query_depth=10,
        max_aliases=30,
        max_tokens=2000,
    )


@pytest.fixture(scope="session")
def app(pool: Pool, gateway_settings: Settings) -> Any:
    return create_app_for(pool, gateway_settings)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
def api(client: httpx.AsyncClient) -> Callable[[str | None], Api]:
    """``api(key_secret)``: a client acting with that key (None: no credential)."""
    return lambda key: Api(client, key)


@pytest.fixture
def staff_key(pool: Pool) -> Callable[[str], Awaitable[str]]:
    async def make(role: str = "admin") -> str:
        async with transaction(pool) as conn:
            issued = await keys.create_key(
                conn,
                role=role,
                partner_id=None,  # type: ignore[arg-type]
                name=f"test {role}",
            )
        return issued.secret

    return make


@pytest.fixture
async def admin(
    api: Callable[[str | None], Api], staff_key: Callable[[str], Awaitable[str]]
) -> Api:
    return api(await staff_key("admin"))


@pytest.fixture
async def finance(
    api: Callable[[str | None], Api], staff_key: Callable[[str], Awaitable[str]]
) -> Api:
    return api(await staff_key("finance"))


# --- a gateway on a database of its own, for program-wide rules (tiers, bonus event types) ---


@pytest.fixture
async def fresh_client(fresh_pool: Pool) -> AsyncIterator[httpx.AsyncClient]:
    earn_rule_cache.forget()  # partner ids repeat from one database of its own to the next
    app = create_app_for(fresh_pool, Settings(database_url="postgresql://unused", currency="EUR"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
async def fresh_admin(fresh_client: httpx.AsyncClient, fresh_pool: Pool) -> Api:
    async with transaction(fresh_pool) as conn:
        issued = await keys.create_key(conn, role="admin", partner_id=None, name="admin")  # type: ignore[arg-type]
    return Api(fresh_client, issued.secret)
