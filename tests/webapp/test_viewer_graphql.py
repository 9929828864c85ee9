"""GraphQL for partners' apps: a member token from the code login, ``viewer`` and
``transferPoints``; the token reaches nothing but its own member."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from web_client import Web
from webapp_support import Program, base_time

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from partners import keys

VIEWER = """{ viewer { member { id balance availableBalance email
  expiringPoints(within: "P400D") { points }
  transactions(first: 2) { edges { node { id kind points reason
    partner { name billing creditLimitPoints } } }
                           pageInfo { hasNextPage endCursor } } } } }"""
TRANSFER = """mutation($input: TransferPointsInput!) { transferPoints(input: $input) {
  transaction { kind points } member { balance } userErrors { code field message } } }"""


async def _token(client: httpx.AsyncClient, codes: list[str], identifier: str) -> str:
    asked = await client.post("/member/login/code", json={"identifier": identifier})
    assert asked.status_code == 202, asked.text
    issued = await client.post(
        "/member/login/token", json={"identifier": identifier, "code": codes[-1]}
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["token"].startswith("mbr_") and body["memberId"].startswith("TWVtYmVy")
    token: str = body["token"]
    return token


async def _gql(
    client: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


@pytest.fixture
async def setup(program: Program) -> dict[str, int]:
    fuel = await program.partner("FUEL", name="Fuel Station")
    ana = await program.member(fuel, email="ana@example.com")
    ben = await program.member(fuel, email="ben@example.com")
    at = base_time()  # one instant: the three lots expire together, whatever the clock does
    for n in range(3):
        await program.ledger.earn(ana, fuel, "100.00", now=at, order_id=f"o{n}")
    await program.ledger.earn(ben, fuel, "10.00", now=at)
    return {"fuel": fuel, "ana": ana, "ben": ben}


async def test_viewer_shows_the_members_own_account(web: Web, setup: dict[str, int]) -> None:
    client = web()
    token = await _token(client.client, client.codes.codes, "ana@example.com")
    member = (await _gql(client.client, token, VIEWER))["data"]["viewer"]["member"]
    assert member["id"] == to_global_id("Member", setup["ana"])
    assert (member["balance"], member["availableBalance"], member["email"]) == (
        300,
        300,
        "ana@example.com",
    )
    assert member["expiringPoints"] == [{"points": 300}]
    page = member["transactions"]
    assert [e["node"]["kind"] for e in page["edges"]] == ["EARN", "EARN"]
    assert page["edges"][0]["node"]["partner"] == {
        "name": "Fuel Station",
        "billing": None,  # the partner's terms with the operator are not the member's
        "creditLimitPoints": None,
    }
    assert page["pageInfo"]["hasNextPage"] is True


async def test_transfer_points_by_email_and_by_id(
    web: Web, setup: dict[str, int], program: Program
) -> None:
    client = web()
    token = await _token(client.client, client.codes.codes, "ana@example.com")
    ben_card = await program.card_of(setup["ben"])
    by_email = {
        "toEmail": "ben@example.com",
        "toCardNumber": ben_card,
        "points": 40,
        "idempotencyKey": "t1",
    }
    first = (await _gql(client.client, token, TRANSFER, {"input": by_email}))["data"]
    assert first["transferPoints"] == {
        "transaction": {"kind": "TRANSFER_OUT", "points": 40},
        "member": {"balance": 260},
        "userErrors": [],
    }
    again = (await _gql(client.client, token, TRANSFER, {"input": by_email}))["data"]
    assert again == first
    by_id = {
        "toMemberId": to_global_id("Member", setup["ben"]),
        "points": 60,
        "idempotencyKey": "t2",
    }
    second = (await _gql(client.client, token, TRANSFER, {"input": by_id}))["data"]
    assert second["transferPoints"]["member"] == {"balance": 200}
    assert (await program.balance(setup["ben"]))["balance"] == 110
    too_much = {**by_id, "points": 201, "idempotencyKey": "t3"}
    refused = (await _gql(client.client, token, TRANSFER, {"input": too_much}))["data"]
    assert refused["transferPoints"]["userErrors"][0]["code"] == "INSUFFICIENT_POINTS"
    over_limit = {**by_id, "points": 950, "idempotencyKey": "t4"}
    await program.ledger.earn(setup["ana"], setup["fuel"], "900.00", now=base_time())
    limited = (await _gql(client.client, token, TRANSFER, {"input": over_limit}))["data"]
    assert limited["transferPoints"]["userErrors"][0]["code"] == "TRANSFER_LIMIT_EXCEEDED"
    nobody = {**by_email, "toEmail": "nobody@example.com", "idempotencyKey": "t5"}
    unknown = (await _gql(client.client, token, TRANSFER, {"input": nobody}))["data"]
    assert unknown["transferPoints"]["userErrors"] == [
        {
            "code": "MEMBER_NOT_FOUND",
            "field": ["toEmail"],
            "message": "no member has this email and card number",
        }
    ]
    assert await program.audit() == []


async def test_a_member_token_reaches_nothing_else(web: Web, setup: dict[str, int]) -> None:
    client = web()
    token = await _token(client.client, client.codes.codes, "ana@example.com")
    ben, fuel = to_global_id("Member", setup["ben"]), to_global_id("Partner", setup["fuel"])
    forbidden = await _gql(client.client, token, f'{{ member(id: "{ben}") {{ balance }} }}')
    assert forbidden["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    others = await _gql(
        client.client, token, f'{{ transactions(memberId: "{ben}") {{ edges {{ cursor }} }} }}'
    )
    assert others["data"]["transactions"]["edges"] == []
    node = await _gql(client.client, token, f'{{ node(id: "{ben}") {{ id }} }}')
    assert node["data"]["node"] is None
    partner = await _gql(
        client.client,
        token,
        f'{{ node(id: "{fuel}") {{ ... on Partner {{ name'
        " prices { issuePrice { amount } } } } }",
    )
    assert partner["data"]["node"] == {"name": "Fuel Station", "prices": None}
    earn = await _gql(
        client.client,
        token,
        'mutation { earnPoints(input: {memberId: "x", amount: {amount: "1", currency: "EUR"},'
        ' idempotencyKey: "e"}) { userErrors { code } } }',
    )
    assert earn["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    keys_list = await _gql(client.client, token, "{ apiKeys { prefix } }")
    assert keys_list["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_api_keys_have_no_viewer_and_cannot_transfer(
    web: Web, setup: dict[str, int], program: Program
) -> None:
    client = web()
    async with transaction(program.pool) as conn:
        issued = await keys.create_key(conn, role="partner", partner_id=setup["fuel"], name="t")
    viewer = await _gql(client.client, issued.secret, "{ viewer { member { id } } }")
    assert viewer["data"]["viewer"] == {"member": None}
    move = {"toEmail": "ben@example.com", "points": 1, "idempotencyKey": "k"}
    refused = await _gql(client.client, issued.secret, TRANSFER, {"input": move})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_revoked_tokens_and_tokens_elsewhere_are_refused(
    web: Web, setup: dict[str, int]
) -> None:
    client = web()
    token = await _token(client.client, client.codes.codes, "ana@example.com")
    statements = await client.client.get(
        "/settlement/batches/1/statements.csv", headers={"authorization": f"Bearer {token}"}
    )
    assert statements.status_code == 401
    revoked = await client.client.post(
        "/member/logout", headers={"authorization": f"Bearer {token}"}
    )
    assert revoked.status_code == 204
    after = await client.client.post(
        "/graphql", json={"query": VIEWER}, headers={"authorization": f"Bearer {token}"}
    )
    assert after.status_code == 401
    assert after.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    wrong = await client.client.post(
        "/member/login/token", json={"identifier": "ana@example.com", "code": "000000"}
    )
    assert wrong.status_code == 400 and wrong.json()["error"]["code"] == "INVALID_LOGIN_CODE"
    bad = await client.client.post("/member/login/code", content=b"[1]")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "INVALID_INPUT"
