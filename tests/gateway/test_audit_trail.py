"""The audit trail: admin and finance actions recorded before they run, their outcome after;
append-only in the database; read by staff through ``auditEvents``."""

from __future__ import annotations

import json

import psycopg
import pytest
from gateway_support import member_gid, new_key

from exchange.gateway.app import create_app_for
from exchange.gateway.audit_hook import AuditTrail
from exchange.gateway.mutations import Mutation
from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id

EVENT_FIELDS = (
    "id occurredAt source principal keyId actor operation input outcome codes finishedAt"
    " clientIp userAgent requestId"
)
PUBLIC_HOOK = "https://93.184.216.34/hooks/points"


async def events_of(pool, key_id: int) -> list[dict]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT e.operation, e.principal, e.input, o.outcome, o.codes"
            " FROM audit_events e LEFT JOIN audit_outcomes o ON o.event_id = e.id"
            " WHERE e.key_id = %s ORDER BY e.id",
            (key_id,),
        )
        return list(await cur.fetchall())


async def key_id_of(admin, prefix: str) -> str:
    listed = await admin.data("{ apiKeys { id prefix } }")
    return next(key["id"] for key in listed["apiKeys"] if key["prefix"] == prefix)


async def test_an_admin_action_is_recorded_with_who_what_and_where(admin, make_partner):
    partner = await make_partner()
    response = await admin.post(
        "mutation($i: CreateApiKeyInput!) { createApiKey(input: $i) { apiKey key { id prefix }"
        " userErrors { code } } }",
        {"i": {"role": "PARTNER", "partnerCode": partner.code, "name": "till 6390000000000013"}},
        headers={"X-Request-Id": "audit-test-000001", "User-Agent": "ops-console/1.0"},
    )
    created = response.json()["data"]["createApiKey"]
    secret = created["apiKey"]
    page = await admin.data(
        f'{{ auditEvents(first: 1, filter: {{operation: "createApiKey"}}) {{ edges {{ node'
        f" {{ {EVENT_FIELDS} }} }} }} }}"
    )
    event = page["auditEvents"]["edges"][0]["node"]
    admin_prefix = admin.key.split("_")[0] + "_" + admin.key.split("_")[1]
    assert event["source"] == "graphql"
    assert event["principal"] == "admin"
    assert event["keyId"] == await key_id_of(admin, admin_prefix)
    assert event["actor"] == admin_prefix
    assert event["operation"] == "createApiKey"
    assert json.loads(event["input"]) == {
        "input": {
            "role": "PARTNER",
            "partnerCode": partner.code,
            "name": "till ************0013",
        }
    }
    assert secret not in json.dumps(event)
    assert event["outcome"] == "OK" and event["codes"] == []
    assert event["occurredAt"] <= event["finishedAt"]
    assert event["requestId"] == "audit-test-000001" == response.headers["x-request-id"]
    assert event["userAgent"] == "ops-console/1.0"
    assert event["clientIp"] == "127.0.0.1"


async def test_refusals_and_forbidden_calls_are_recorded_with_their_codes(
    admin, finance, staff_key, api, pool
):
    finance_secret = await staff_key("finance")
    finance = api(finance_secret)
    unknown = to_global_id("ApiKey", 987654321)
    assert (await admin.refused("revokeApiKey", {"id": unknown}))["code"] == "API_KEY_NOT_FOUND"
    forbidden = await finance.post(
        "mutation { createApiKey(input: {role: ADMIN}) { apiKey userErrors { code } } }"
    )
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    page = await admin.data(
        "{ auditEvents(first: 2) { edges { node { principal operation outcome codes } } } }"
    )
    assert [edge["node"] for edge in page["auditEvents"]["edges"]] == [
        {
            "principal": "finance",
            "operation": "createApiKey",
            "outcome": "ERROR",
            "codes": ["FORBIDDEN"],
        },
        {
            "principal": "admin",
            "operation": "revokeApiKey",
            "outcome": "REFUSED",
            "codes": ["API_KEY_NOT_FOUND"],
        },
    ]


async def test_partner_business_is_not_audited_but_webhook_changes_are(
    api, make_partner, make_member, pool
):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await client.ok(
        "earnPoints",
        {
            "memberId": member_gid(member),
            "amount": {"amount": "5.00", "currency": "EUR"},
            "idempotencyKey": new_key(),
        },
        "__typename",
    )
    created = await client.ok(
        "createWebhookEndpoint",
        {"url": PUBLIC_HOOK, "eventTypes": ["points.earned"], "signing": "HMAC_SHA256"},
        "endpoint { id } secret",
    )
    rotated = await client.ok("rotateWebhookSecret", {"id": created["endpoint"]["id"]}, "secret")
    events = await events_of(pool, partner.key.id)
    assert [(e["operation"], e["principal"], e["outcome"]) for e in events] == [
        ("createWebhookEndpoint", "partner", "OK"),
        ("rotateWebhookSecret", "partner", "OK"),
    ]
    stored = json.dumps([e["input"] for e in events])
    assert created["secret"] not in stored and rotated["secret"] not in stored


def test_every_mutation_carries_the_hook(app):
    """New mutations are audited without a line of their own: the schema puts the hook on
    every root Mutation field."""
    fields = Mutation.__strawberry_definition__.fields
    assert fields and all(
        sum(isinstance(extension, AuditTrail) for extension in field.extensions) == 1
        for field in fields
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET operation = 'nothing'",
        "DELETE FROM audit_events",
        "TRUNCATE audit_events CASCADE",
        "UPDATE audit_outcomes SET outcome = 'OK'",
        "DELETE FROM audit_outcomes",
        "TRUNCATE audit_outcomes",
    ],
)
async def test_the_trail_is_append_only(admin, pool, statement):
    await admin.refused("revokeApiKey", {"id": to_global_id("ApiKey", 987654321)})
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        async with transaction(pool) as conn:
            await conn.execute(statement)


async def test_no_trail_no_action(fresh_pool, gateway_settings, staff_key):
    """If the event cannot be written, the action does not run."""
    import httpx

    from exchange.kit.db import transaction as tx
    from partners import keys

    async with tx(fresh_pool) as conn:
        issued = await keys.create_key(conn, role="admin", partner_id=None, name="a")
        await conn.execute(
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS"
            " $$ BEGIN RAISE EXCEPTION 'audit store unavailable'; END $$;"
            " CREATE TRIGGER refuse BEFORE INSERT ON audit_events"
            " FOR EACH ROW EXECUTE FUNCTION refuse()"
        )
    app = create_app_for(fresh_pool, gateway_settings)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        response = await client.post(
            "/graphql",
            json={"query": "mutation { createApiKey(input: {role: FINANCE}) { apiKey } }"},
            headers={"Authorization": f"Bearer {issued.secret}"},
        )
    body = response.json()
    assert body["data"] is None or body["data"]["createApiKey"] is None
    assert body["errors"][0]["extensions"]["code"] == "INTERNAL_SERVER_ERROR"
    async with tx(fresh_pool) as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM api_keys WHERE role = 'finance'")
        assert (await cur.fetchone())["n"] == 0


async def test_staff_read_the_trail_page_by_page_and_by_filter(admin, api, staff_key, make_partner):
    finance = api(await staff_key("finance"))
    partner = await make_partner()
    for _ in range(3):
        await admin.refused("revokeApiKey", {"id": to_global_id("ApiKey", 987654321)})
    first = await finance.data(
        '{ auditEvents(first: 2, filter: {operation: "revokeApiKey", outcomes: [REFUSED]})'
        " { edges { cursor node { id operation } } pageInfo { hasNextPage endCursor } } }"
    )
    page = first["auditEvents"]
    assert len(page["edges"]) == 2 and page["pageInfo"]["hasNextPage"]
    second = await finance.data(
        "query($after: String) { auditEvents(first: 1, after: $after,"
        ' filter: {operation: "revokeApiKey"}) { edges { node { id } } } }',
        {"after": page["pageInfo"]["endCursor"]},
    )
    ids = [edge["node"]["id"] for edge in page["edges"]]
    assert second["auditEvents"]["edges"][0]["node"]["id"] not in ids
    refused = await api(partner.key.secret).post("{ auditEvents { edges { cursor } } }")
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    bad = await admin.post('{ auditEvents(after: "nope") { edges { cursor } } }')
    assert bad.json()["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
