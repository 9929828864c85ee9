"""Hostile documents are refused before anything runs: no resolver, no SQL. The gateway
here runs on a pool that counts every connection it hands out; the caller's key is looked
up once first (the key cache), so any later checkout would be the document's doing."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from exchange.gateway.app import create_app_for
from exchange.kit.settings import Settings

WARM = "{ __typename }"


class CountingPool:
    """The test pool, counting checkouts (every query of the gateway takes one)."""

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        self.checkouts = 0

    def connection(self, *args: Any, **kwargs: Any) -> Any:
        self.checkouts += 1
        return self._pool.connection(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def settings(**changes: Any) -> Settings:
    return Settings(database_url="postgresql://unused/by-tests", **changes)


class Gateway:
    def __init__(self, pool: Any, partner_key: str, **changes: Any) -> None:
        self.pool = CountingPool(pool)
        app = create_app_for(self.pool, settings(**changes))  # type: ignore[arg-type]
        # what the lifespan's LISTEN on key changes does: keys are cached from then on
        app.state.resources.keys.listening = True
        self.client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
        )
        self.headers = {"Authorization": f"Bearer {partner_key}"}

    async def __aenter__(self) -> Gateway:
        await self.post(WARM)  # the key is cached from here on
        self.pool.checkouts = 0
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.client.aclose()

    async def post(self, query: str, **kwargs: Any) -> httpx.Response:
        return await self.client.post(
            "/graphql", json={"query": query}, headers=self.headers, **kwargs
        )

    def refused(self, response: httpx.Response, status: int, code: str) -> str:
        assert response.status_code == status, response.text
        body = response.json()
        assert "data" not in body or body["data"] is None
        assert body["errors"][0]["extensions"]["code"] == code
        assert self.pool.checkouts == 0, "the refused document reached the database"
        return str(body["errors"][0]["message"])


def aliases(count: int) -> str:
    return "{ " + " ".join(f'a{i}: member(id: "TWVtYmVyOjE") {{ id }}' for i in range(count)) + " }"


def nested(depth: int) -> str:
    """A selection ``depth`` levels deep: member, transactions, edges, node, member, ..."""
    levels = ["transactions(first: 1)", "edges", "node", "member"]
    inner = "id"
    for level in range(depth - 1):
        inner = f"{levels[level % 4]} {{ {inner} }}"
    return f'{{ member(id: "TWVtYmVyOjE") {{ {inner} }} }}'


async def test_ten_thousand_aliases_are_refused_at_parsing(pool, make_partner):
    partner = await make_partner()
    async with Gateway(pool, partner.key.secret) as gateway:
        response = await gateway.post(aliases(10_000))
        message = gateway.refused(response, 400, "GRAPHQL_PARSE_FAILED")
    assert "token" in message.lower()


async def test_ten_thousand_aliases_are_refused_by_the_alias_limit_too(pool, make_partner):
    """With the token limit out of the way, the alias limit refuses it at validation."""
    partner = await make_partner()
    async with Gateway(pool, partner.key.secret, max_tokens=1_000_000) as gateway:
        response = await gateway.post(aliases(10_000))
        message = gateway.refused(response, 400, "GRAPHQL_VALIDATION_FAILED")
    assert "aliases" in message.lower()


async def test_a_fifty_deep_query_is_refused_at_validation(pool, make_partner):
    partner = await make_partner()
    async with Gateway(pool, partner.key.secret) as gateway:
        response = await gateway.post(nested(50))
        message = gateway.refused(response, 400, "GRAPHQL_VALIDATION_FAILED")
    assert "depth" in message


async def test_a_costly_query_is_refused_before_it_runs(pool, make_partner):
    partner = await make_partner()
    query = (
        "{ a: transactions(first: 100) { edges { node { member { transactions(first: 100)"
        " { edges { node { id } } } } } } } }"
    )
    async with Gateway(pool, partner.key.secret) as gateway:
        response = await gateway.post(query)
        message = gateway.refused(response, 400, "GRAPHQL_VALIDATION_FAILED")
    assert "costs 20401" in message


async def test_a_body_over_the_limit_is_refused_while_it_streams(pool, make_partner):
    """No Content-Length to trust: the body is read up to the limit, then refused."""
    partner = await make_partner()

    async def chunks():
        yield b'{"query": "{ __typename }", "pad": "'
        for _ in range(1100):
            yield b"x" * 1024
        yield b'"}'

    async with Gateway(pool, partner.key.secret) as gateway:
        response = await gateway.client.post(
            "/graphql",
            content=chunks(),
            headers={**gateway.headers, "Content-Type": "application/json"},
        )
        gateway.refused(response, 413, "PAYLOAD_TOO_LARGE")


async def test_get_cannot_run_a_mutation(pool, make_partner):
    partner = await make_partner()
    mutation = 'mutation { closeMember(input: {memberId: "TWVtYmVyOjE"}) { userErrors { code } } }'
    async with Gateway(pool, partner.key.secret) as gateway:
        response = await gateway.client.get(
            "/graphql", params={"query": mutation}, headers=gateway.headers
        )
        gateway.refused(response, 400, "BAD_REQUEST")


@pytest.mark.parametrize(
    ("query", "code"),
    [
        # a list literal nested as deep as the token limit allows: the parser stops it
        ("{ member(id: " + "[" * 990 + "]" * 990 + ") { id } }", "GRAPHQL_PARSE_FAILED"),
        # an input object nested as deep
        (
            '{ earnQuote(memberId: "x", amount: '
            + "{a: " * 600
            + "1"
            + "}" * 600
            + ") { points } }",
            "GRAPHQL_PARSE_FAILED",
        ),
        # a fragment that spreads itself
        ("{ ...f } fragment f on Query { ...f }", "GRAPHQL_VALIDATION_FAILED"),
        # one directive many times on one field (within the token limit)
        ("{ __typename" + " @skip(if: false)" * 200 + " }", "GRAPHQL_VALIDATION_FAILED"),
    ],
)
async def test_malicious_shapes_are_refused_cleanly(pool, make_partner, query, code):
    partner = await make_partner()
    async with Gateway(pool, partner.key.secret) as gateway:
        gateway.refused(await gateway.post(query), 400, code)
