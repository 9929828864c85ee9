"""Driving the gateway in-process over HTTP (httpx + ASGI), and reading the database back."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from typing import Any

import httpx

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id

_keys = itertools.count(1)

WRITTEN_TABLES = (
    "journal_entries",
    "postings",
    "lots",
    "holds",
    "outbox_events",
    "idempotency_records",
    "members",
)


def new_key(prefix: str = "gw") -> str:
    return f"{prefix}-{next(_keys)}-{secrets.token_hex(4)}"


def member_gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


async def row_counts(pool: Pool) -> dict[str, int]:
    """How many rows each written table holds: compared before and after a refused call."""
    async with transaction(pool) as conn:
        counts = {}
        for table in WRITTEN_TABLES:
            cur = await conn.execute(f"SELECT count(*) AS n FROM {table}")  # type: ignore[arg-type]
            row = await cur.fetchone()
            assert row is not None
            counts[table] = int(row["n"])
    return counts


@dataclass
class Api:
    """POST /graphql with a bearer key; ``call`` insists on HTTP 200 and returns the JSON."""

    client: httpx.AsyncClient
    key: str | None

    async def post(
        self, query: str, variables: dict[str, Any] | None = None, **kwargs: Any
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        headers.update(kwargs.pop("headers", {}))
        body: dict[str, Any] = {"query": query}
        if variables is not None:
            body["variables"] = variables
        return await self.client.post("/graphql", json=body, headers=headers, **kwargs)

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.post(query, variables)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """The ``data`` of a call that must have no GraphQL errors."""
        result = await self.call(query, variables)
        assert "errors" not in result, result["errors"]
        data: dict[str, Any] = result["data"]
        return data

    async def mutate(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        """Run one mutation; returns its payload (``userErrors`` included)."""
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input)"
            f" {{ {fields} userErrors {{ field message code }} }} }}"
        )
        payload: dict[str, Any] = (await self.data(query, {"input": input}))[name]
        return payload

    async def ok(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        """A mutation that must succeed."""
        payload = await self.mutate(name, input, fields)
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    async def refused(self, name: str, input: dict[str, Any], fields: str = "") -> dict[str, Any]:
        """A mutation that must be refused with exactly one userError; returns it."""
        payload = await self.mutate(name, input, fields or "__typename")
        assert len(payload["userErrors"]) == 1, payload
        error: dict[str, Any] = payload["userErrors"][0]
        return error


MEMBER_FIELDS = "member { id balance availableBalance heldPoints debtPoints }"
TX_FIELDS = "transaction { id kind points status amount { amount currency } }"
HOLD_FIELDS = "hold { id points capturedPoints status }"
