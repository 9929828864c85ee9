"""The HTTP edge: request ids, GraphiQL, 401s, malformed bodies, limits, masking."""

from __future__ import annotations

import json
import logging

import httpx
import pytest
from gateway_support import Api, member_gid, new_key, row_counts

from exchange.gateway.app import create_app_for
from exchange.kit.settings import Settings
from exchange.ledger import queries

TX_LIST = "{ transactions(first: 1) { edges { cursor } } }"


async def test_healthz_and_request_id(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert len(response.headers["x-request-id"]) >= 8
    echoed = await client.get("/healthz", headers={"X-Request-Id": "trace-123456"})
    assert echoed.headers["x-request-id"] == "trace-123456"
    junk = await client.get("/healthz", headers={"X-Request-Id": "bad id\twith tabs"})
    assert junk.headers["x-request-id"] != "bad id\twith tabs"


async def test_graphiql_page_needs_no_key(client):
    response = await client.get("/graphql", headers={"Accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "x-request-id" in response.headers


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer ptk_nope_nope", "Basic abc", "ptk_plain_token"]
)
async def test_missing_or_bad_credential_is_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = await client.post("/graphql", json={"query": TX_LIST}, headers=headers)
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert "data" not in body
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "x-request-id" in response.headers


async def test_get_query_without_key_is_401(client):
    response = await client.get("/graphql", params={"query": TX_LIST})
    assert response.status_code == 401


async def test_revoked_key_is_401(api, admin, make_partner, pool):
    partner = await make_partner()
    client = api(partner.key.secret)
    assert (await client.post(TX_LIST)).status_code == 200
    keys_list = await admin.data("{ apiKeys { id prefix } }")
    key_id = next(k["id"] for k in keys_list["apiKeys"] if k["prefix"] == partner.key.prefix)
    revoked = await admin.ok("revokeApiKey", {"id": key_id}, "key { revokedAt }")
    assert revoked["key"]["revokedAt"] is not None
    before = await row_counts(pool)
    response = await client.post(
        "mutation($i: EarnPointsInput!) { earnPoints(input: $i) { userErrors { code } } }",
        {
            "i": {
                "memberId": member_gid(1),
                "amount": {"amount": "1.00", "currency": "EUR"},
                "idempotencyKey": new_key(),
            }
        },
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert await row_counts(pool) == before


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b'{"query": "{ __typename }"', "application/json"),
        (b"[1, 2]", "application/json"),
        (b'"just a string"', "application/json"),
        (b"\xff\xfe\x00garbage", "application/json"),
        (b"[" * 100_000, "application/json"),
        (b'{"query": 42}', "application/json"),
        (b'{"query": "{ __typename }", "variables": [1]}', "application/json"),
        (b"query=%7B__typename%7D", "application/x-www-form-urlencoded"),
        (b"", "application/json"),
    ],
)
async def test_malformed_bodies_are_400(api, make_partner, pool, body, content_type):
    partner = await make_partner()
    before = await row_counts(pool)
    response = await api(partner.key.secret).client.post(
        "/graphql",
        content=body,
        headers={"Authorization": f"Bearer {partner.key.secret}", "Content-Type": content_type},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await row_counts(pool) == before


async def test_body_over_one_mebibyte_is_413(api, make_partner):
    partner = await make_partner()
    query = "{ __typename }" + " " * (1024 * 1024)
    response = await api(partner.key.secret).post(query)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_other_methods_are_405(client):
    response = await client.put("/graphql", json={"query": "{ __typename }"})
    assert response.status_code == 405
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"


async def test_get_runs_queries(api, make_partner):
    partner = await make_partner()
    response = await api(partner.key.secret).client.get(
        "/graphql",
        params={"query": TX_LIST},
        headers={"Authorization": f"Bearer {partner.key.secret}"},
    )
    assert response.status_code == 200
    assert response.json() == {"data": {"transactions": {"edges": []}}}


async def test_get_never_runs_mutations(api, make_partner, make_member, pool):
    partner = await make_partner()
    member = await make_member(partner)
    mutation = (
        f'mutation {{ earnPoints(input: {{memberId: "{member_gid(member)}", amount: {{amount:'
        f' "5.00", currency: "EUR"}}, idempotencyKey: "{new_key()}"}})'
        " { userErrors { code } } }"
    )
    before = await row_counts(pool)
    response = await api(partner.key.secret).client.get(
        "/graphql",
        params={"query": mutation},
        headers={"Authorization": f"Bearer {partner.key.secret}"},
    )
    assert 400 <= response.status_code < 500
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await row_counts(pool) == before


@pytest.mark.parametrize(
    ("query", "variables", "code"),
    [
        ("{ transactions { edges { node { nope } } } }", None, "GRAPHQL_VALIDATION_FAILED"),
        (
            "{ transactions(first: 2147483648) { edges { cursor } } }",
            None,
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "query($n: Int!) { transactions(first: $n) { edges { cursor } } }",
            {"n": 2**31},
            "BAD_USER_INPUT",
        ),
        (
            "query($n: Int!) { transactions(first: $n) { edges { cursor } } }",
            {"n": "ten"},
            "BAD_USER_INPUT",
        ),
        (
            "query($s: DateTime) { transactions(since: $s) { edges { cursor } } }",
            {"s": "2025-01-01T00:00:00"},
            "BAD_USER_INPUT",
        ),
        ("{ transactions(first: 1) { edges { cursor } }", None, "GRAPHQL_PARSE_FAILED"),
        ("{ member(id: 1 }", None, "GRAPHQL_PARSE_FAILED"),
    ],
)
async def test_invalid_documents_are_400_with_a_code(api, make_partner, query, variables, code):
    partner = await make_partner()
    response = await api(partner.key.secret).post(query, variables)
    assert response.status_code == 400, response.text
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == code


async def test_naive_datetime_message_is_clear(api, make_partner):
    partner = await make_partner()
    response = await api(partner.key.secret).post(
        "query($s: DateTime) { transactions(since: $s) { edges { cursor } } }",
        {"s": "2025-01-01T00:00:00"},
    )
    assert "offset" in response.json()["errors"][0]["message"]


def deep_query(depth: int) -> str:
    inner = "id"
    for level in range(depth):
        inner = (
            f"transactions(first: 1) {{ edges {{ node {{ member {{ {inner} }} }} }} }}"
            if level % 2 == 0
            else f"id {inner}"
        )
    return f'{{ member(cardNumber: "00000000") {{ {inner} }} }}'


async def test_depth_limit(api, make_partner):
    partner = await make_partner()
    response = await api(partner.key.secret).post(deep_query(20))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "depth" in error["message"]


async def test_alias_limit(api, make_partner):
    partner = await make_partner()
    query = "{ " + " ".join(f"a{i}: __typename" for i in range(100)) + " }"
    response = await api(partner.key.secret).post(query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "aliases" in error["message"].lower()


async def test_token_limit(api, make_partner):
    partner = await make_partner()
    query = "{ " + " ".join(["__typename"] * 3000) + " }"
    response = await api(partner.key.secret).post(query)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


@pytest.mark.parametrize("text", ["a\x00b", "\ud800"])
async def test_unstorable_text_is_400(api, make_partner, make_member, pool, text):
    partner = await make_partner()
    member = await make_member(partner)
    before = await row_counts(pool)
    body = json.dumps(
        {  # ensure_ascii: the text travels as a \\u escape
            "query": "mutation($i: EarnPointsInput!)"
            " { earnPoints(input: $i) { userErrors { code } } }",
            "variables": {
                "i": {
                    "memberId": member_gid(member),
                    "orderId": text,
                    "amount": {"amount": "1.00", "currency": "EUR"},
                    "idempotencyKey": new_key(),
                }
            },
        }
    )
    response = await api(partner.key.secret).client.post(
        "/graphql",
        content=body,
        headers={
            "Authorization": f"Bearer {partner.key.secret}",
            "Content-Type": "application/json",
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"
    assert await row_counts(pool) == before


async def test_nul_escape_in_the_document_is_400(api, make_partner):
    partner = await make_partner()
    response = await api(partner.key.secret).post('{ member(cardNumber: "1\\u0000") { id } }')
    assert response.status_code == 400


async def test_unexpected_errors_are_masked_and_logged(api, make_partner, monkeypatch, caplog):
    async def broken(*args, **kwargs):
        raise RuntimeError("SELECT secret FROM internals")

    monkeypatch.setattr(queries, "transactions_page", broken)
    partner = await make_partner()
    with caplog.at_level(logging.ERROR, logger="exchange.gateway"):
        response = await api(partner.key.secret).post(TX_LIST)
    assert response.status_code == 200
    body = response.json()
    error = body["errors"][0]
    assert error["message"] == "Internal server error"
    assert error["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    assert error["extensions"]["requestId"] == response.headers["x-request-id"]
    assert "SELECT" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if response.headers["x-request-id"] in r.getMessage()]
    assert logged and logged[0].exc_info is not None


async def test_forbidden_outside_the_role(finance, admin):
    for client in (finance, admin):
        result = await client.call(
            'mutation { burnPoints(input: {memberId: "x", points: 1, idempotencyKey: "k"})'
            " { userErrors { code } } }"
        )
        assert result["data"] is None
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_introspection_can_be_turned_off(pool, make_partner):
    app = create_app_for(pool, Settings(database_url="postgresql://unused", introspection=False))
    partner = await make_partner()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        closed = Api(client, partner.key.secret)
        response = await closed.post("{ __schema { types { name } } }")
        assert response.status_code == 400
        assert (await closed.post(TX_LIST)).status_code == 200
