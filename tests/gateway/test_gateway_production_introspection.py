"""Production closes GraphQL introspection unless it is turned on on purpose; development
keeps it open (GraphiQL)."""

from __future__ import annotations

import secrets

import httpx
import pytest
from gateway_support import Api

from exchange.gateway.app import create_app_for
from exchange.kit.settings import Settings

INTROSPECT = "{ __schema { queryType { name } } }"
PRODUCTION = {
    "env": "production",
    "secret_key": secrets.token_urlsafe(48),
    "database_url": "postgresql://unused",
    "public_url": "https://exchange.example.com",
}


@pytest.mark.parametrize(
    ("settings", "open_"),
    [
        (Settings(database_url="postgresql://unused"), True),
        (Settings(**PRODUCTION), False),  # type: ignore[arg-type]
        (Settings(**PRODUCTION, introspection=True, allow_introspection=True), True),  # type: ignore[arg-type]
    ],
)
async def test_introspection_follows_the_environment(pool, make_partner, settings, open_):
    partner = await make_partner()
    app = create_app_for(pool, settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://gateway.test"
    ) as client:
        response = await Api(client, partner.key.secret).post(INTROSPECT)
    assert response.status_code == (200 if open_ else 400), response.text
    if open_:
        assert response.json()["data"]["__schema"]["queryType"]["name"] == "Query"
