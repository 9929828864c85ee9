"""The database gone (a crash, a restart): HTTP 503 with Retry-After and SERVICE_UNAVAILABLE,
never a masked 500; the same request sent again is done once; the pool replaces the
connections that died with the server. Found by the chaos tests (tests/chaos): every
request on a connection the restarted server had dropped answered INTERNAL_SERVER_ERROR."""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
import psycopg
import pytest
from gateway_support import Api, member_gid, new_key

from exchange.gateway import webhook_keys
from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, is_unavailable, open_pool, transaction

EARN = "transaction { id points }"
EARN_MODULE = importlib.import_module("exchange.gateway.mutations.earn_points")
APP_NAME = "gateway_unavailable_test"


@pytest.fixture
async def own_pool(database_url: str) -> AsyncIterator[Pool]:
    """A pool of the test's own, its connections named so that the test can drop them."""
    separator = "&" if "?" in database_url else "?"
    pool = await open_pool(f"{database_url}{separator}application_name={APP_NAME}", size=2)
    yield pool
    await pool.close()


@pytest.fixture
async def own_client(own_pool: Pool, gateway_settings: Any) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app_for(own_pool, gateway_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


async def drop_connections(pool: Pool) -> int:
    """What a server restart does to a pool: every connection it holds is gone."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT count(pg_terminate_backend(pid)) AS n FROM pg_stat_activity"
            " WHERE application_name = %s",
            (APP_NAME,),
        )
        row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


def earn_input(member: int, key: str) -> dict[str, Any]:
    return {
        "memberId": member_gid(member),
        "amount": {"amount": "12.00", "currency": "EUR"},
        "idempotencyKey": key,
    }


def earn(member: int, key: str) -> tuple[str, dict[str, Any]]:
    """An earnPoints document and its variables, for a raw POST."""
    query = (
        "mutation($input: EarnPointsInput!) { earnPoints(input: $input)"
        f" {{ {EARN} userErrors {{ code }} }} }}"
    )
    return query, {"input": earn_input(member, key)}


def assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["retry-after"] == "1"
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "idempotencyKey" in error["message"] and "psycopg" not in response.text


async def test_connections_dropped_by_the_server_are_503_then_the_same_earn_is_done_once(
    own_pool, own_client, pool, make_partner, make_member
):
    partner = await make_partner()
    member = await make_member(partner)
    till = Api(own_client, partner.key.secret)
    await till.ok("earnPoints", earn_input(member, new_key()), EARN)  # the pool is warm
    assert await drop_connections(pool) == 2

    key = new_key()
    assert_unavailable(await till.post(*earn(member, key)))
    again = await till.ok("earnPoints", earn_input(member, key), EARN)  # the pool recovered
    replay = await till.ok("earnPoints", earn_input(member, key), EARN)
    assert again["transaction"] == replay["transaction"]
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM idempotency_records WHERE key = %s", (key,)
        )
        assert await cur.fetchone() == {"n": 1}


async def test_a_connection_lost_under_a_mutation_is_503_with_its_path(
    api, make_partner, make_member, monkeypatch, caplog
):
    async def server_gone(*args: Any, **kwargs: Any) -> None:
        raise psycopg.OperationalError("consuming input failed: server closed the connection")

    monkeypatch.setattr(EARN_MODULE, "earn_purchase", server_gone)
    partner = await make_partner()
    member = await make_member(partner)
    till = api(partner.key.secret)
    with caplog.at_level(logging.WARNING, logger="exchange.gateway"):
        response = await till.post(*earn(member, new_key()))
    assert_unavailable(response)
    assert response.json()["errors"][0]["path"] == ["earnPoints"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]  # not a bug


async def test_a_deadlock_is_still_an_unexpected_error(api, make_partner, make_member, monkeypatch):
    async def deadlock(*args: Any, **kwargs: Any) -> None:
        raise psycopg.errors.DeadlockDetected("deadlock detected")

    monkeypatch.setattr(EARN_MODULE, "earn_purchase", deadlock)
    partner = await make_partner()
    till = api(partner.key.secret)
    member = await make_member(partner)
    response = await till.post(*earn(member, new_key()))
    assert response.status_code == 200
    assert response.json()["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"


async def test_routes_outside_graphql_are_503_too(client, monkeypatch):
    async def server_gone(*args: Any, **kwargs: Any) -> None:
        raise psycopg.errors.AdminShutdown("terminating connection due to administrator command")

    monkeypatch.setattr(webhook_keys.signing_keys, "ensure_key", server_gone)
    assert_unavailable(await client.get("/.well-known/webhook-keys"))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (psycopg.OperationalError("connection failed: Connection refused"), True),
        (psycopg.errors.AdminShutdown("terminating connection"), True),
        (psycopg.errors.CannotConnectNow("the database system is starting up"), True),
        (psycopg.errors.ConnectionFailure("connection failure"), True),
        (psycopg.errors.DeadlockDetected("deadlock detected"), False),
        (psycopg.errors.SerializationFailure("could not serialize"), False),
        (psycopg.errors.QueryCanceled("canceling statement due to statement timeout"), False),
        (psycopg.errors.UniqueViolation("duplicate key"), False),
        (RuntimeError("not the database"), False),
    ],
)
def test_what_counts_as_the_database_being_unavailable(error, expected):
    assert is_unavailable(error) is expected
