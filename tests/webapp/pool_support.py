"""Driving pooled accounts over GraphQL: member tokens from the code login, the pool
mutations, a partner key for the till, and a clock the test moves."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from web_client import WebClient

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from partners import keys

_keys = itertools.count(1)
PLACE = (
    "membership { role dailyLimit monthlyLimit spentToday spentThisMonth spendableNow"
    " pool { id name balance availableBalance accountId"
    " members { memberId email role dailyLimit monthlyLimit spentToday spentThisMonth } } }"
)


@dataclass
class Clock:
    at: datetime

    def __call__(self) -> datetime:
        return self.at


def key() -> str:
    return f"pool-{next(_keys)}"


def gid(type_name: str, db_id: int) -> str:
    return to_global_id(type_name, db_id)


@dataclass
class Caller:
    """GraphQL with one bearer credential (a member token or an API key)."""

    client: httpx.AsyncClient
    token: str

    async def call(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        response = await self.client.post(
            "/graphql",
            json={"query": query, "variables": variables or {}},
            headers={"authorization": f"Bearer {self.token}"},
        )
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        assert "errors" not in body, body["errors"]
        data: dict[str, Any] = body["data"]
        return data

    async def mutate(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        type_name = name[0].upper() + name[1:] + "Input"
        query = (
            f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ {fields}"
            " userErrors { code field message } } }"
        )
        payload: dict[str, Any] = (await self.call(query, {"input": input}))[name]
        return payload

    async def ok(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        payload = await self.mutate(name, input, fields)
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    async def refused(self, name: str, input: dict[str, Any]) -> dict[str, Any]:
        payload = await self.mutate(name, input, "__typename")
        assert len(payload["userErrors"]) == 1, payload
        error: dict[str, Any] = payload["userErrors"][0]
        return error


async def member_token(web: WebClient, identifier: str) -> Caller:
    asked = await web.client.post("/member/login/code", json={"identifier": identifier})
    assert asked.status_code == 202, asked.text
    issued = await web.client.post(
        "/member/login/token", json={"identifier": identifier, "code": web.codes.codes[-1]}
    )
    assert issued.status_code == 200, issued.text
    return Caller(web.client, issued.json()["token"])


async def partner_key(web: WebClient, pool: Pool, partner_id: int) -> Caller:
    async with transaction(pool) as conn:
        issued = await keys.create_key(conn, role="partner", partner_id=partner_id, name="till")
    return Caller(web.client, issued.secret)
