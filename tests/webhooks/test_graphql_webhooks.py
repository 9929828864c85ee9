"""Webhook management over GraphQL as partners and staff use it: secrets shown once and
stored encrypted, a partner sees only its own endpoints and events, events list their
deliveries and attempts, test events and replays go out with the same ids."""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from standardwebhooks.webhooks import Webhook
from webhooks_support import ENDPOINT_FIELDS, Api, Reply, earn, gid, one_row, real_now

from exchange.gateway.app import create_app_for
from exchange.gateway.export_schema import sdl
from exchange.kit.settings import Settings
from partners.webhooks import endpoints as endpoint_service

EVENTS = """
query($first: Int!, $after: String, $endpointId: ID, $status: WebhookDeliveryStatus) {
  webhookEvents(first: $first, after: $after, endpointId: $endpointId, status: $status) {
    edges { cursor node { id eventId type payload memberSequence
      deliveries { status attemptCount attemptedAt httpStatus latencyMs error
        endpoint { id } attempts { attempt httpStatus latencyMs responseSnippet } } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""


def create_input(url, signing="HMAC_SHA256", **more):
    return {"url": url, "eventTypes": ["points.earned"], "signing": signing, **more}


async def test_a_partner_registers_an_hmac_endpoint_and_sees_its_secret_once(
    pool, client, receiver, make_partner
):
    partner = await make_partner()
    api = Api(client, partner.key.secret)
    hook = receiver.hook()
    fields = f"{ENDPOINT_FIELDS} secret"
    created = await api.ok(
        "createWebhookEndpoint", create_input(receiver.url(hook.name), idempotencyKey="e1"), fields
    )
    secret = created["secret"]
    assert secret.startswith("whsec_")
    endpoint = created["endpoint"]
    assert endpoint["signing"] == "HMAC_SHA256" and endpoint["status"] == "ACTIVE"
    assert endpoint["eventTypes"] == ["points.earned"]

    again = await api.ok(
        "createWebhookEndpoint", create_input(receiver.url(hook.name), idempotencyKey="e1"), fields
    )
    assert again["endpoint"]["id"] == endpoint["id"] and again["secret"] is None
    stored = await one_row(
        pool,
        "SELECT secret FROM webhook_endpoints WHERE partner_id = %s AND signing = 'HMAC_SHA256'",
        partner.id,
    )
    assert secret not in stored["secret"] and secret.removeprefix("whsec_") not in stored["secret"]
    listed = (await api.data("{ webhookEndpoints { id url } }"))["webhookEndpoints"]
    assert listed == [{"id": endpoint["id"], "url": receiver.url(hook.name)}]


async def test_partners_see_and_change_only_their_own_endpoints(
    client, receiver, make_partner, staff_api
):
    owner, stranger = await make_partner(), await make_partner()
    mine, theirs = Api(client, owner.key.secret), Api(client, stranger.key.secret)
    created = await mine.ok(
        "createWebhookEndpoint", create_input(receiver.url("x"), "ED25519"), ENDPOINT_FIELDS
    )
    endpoint_id = created["endpoint"]["id"]
    assert (await theirs.data("{ webhookEndpoints { id } }"))["webhookEndpoints"] == []
    node = await theirs.data("query($id: ID!) { node(id: $id) { id } }", {"id": endpoint_id})
    assert node["node"] is None
    for name, input in (
        ("updateWebhookEndpoint", {"id": endpoint_id, "url": receiver.url("y")}),
        ("disableWebhookEndpoint", {"id": endpoint_id}),
        ("rotateWebhookSecret", {"id": endpoint_id}),
        ("sendTestWebhook", {"endpointId": endpoint_id}),
        ("replayDeadLetters", {"endpointId": endpoint_id}),
    ):
        assert (await theirs.refused(name, input))["code"] == "WEBHOOK_ENDPOINT_NOT_FOUND", name

    admin, finance = await staff_api("admin"), await staff_api("finance")
    everyone = (await finance.data("{ webhookEndpoints { id } }"))["webhookEndpoints"]
    assert {"id": endpoint_id} in everyone
    forbidden = await finance.client.post(
        "/graphql",
        json={
            "query": "mutation($i: DisableWebhookEndpointInput!) {"
            " disableWebhookEndpoint(input: $i) { userErrors { code } } }",
            "variables": {"i": {"id": endpoint_id}},
        },
        headers={"Authorization": f"Bearer {finance.key}"},
    )
    assert forbidden.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for_stranger = await admin.ok(
        "createWebhookEndpoint",
        create_input(receiver.url("z"), "ED25519", partnerCode=stranger.code),
        ENDPOINT_FIELDS,
    )
    listed = (await theirs.data("{ webhookEndpoints { id } }"))["webhookEndpoints"]
    assert listed == [{"id": for_stranger["endpoint"]["id"]}]


async def test_bad_inputs_are_user_errors(client, make_partner, receiver):
    api = Api(client, (await make_partner()).key.secret)
    unknown = await api.refused(
        "createWebhookEndpoint", {"url": receiver.url("a"), "eventTypes": ["points.stolen"]}
    )
    assert unknown["code"] == "INVALID_INPUT" and unknown["field"] == ["eventTypes"]
    none = await api.refused("createWebhookEndpoint", {"url": receiver.url("a"), "eventTypes": []})
    assert none["code"] == "INVALID_INPUT"
    ftp = await api.refused(
        "createWebhookEndpoint", {"url": "ftp://example.com/", "eventTypes": ["burn.voided"]}
    )
    assert ftp == {"field": ["url"], "message": ftp["message"], "code": "WEBHOOK_TARGET_REFUSED"}
    ed = await api.ok(
        "createWebhookEndpoint", create_input(receiver.url("b"), "ED25519"), ENDPOINT_FIELDS
    )
    rotate = await api.refused("rotateWebhookSecret", {"id": ed["endpoint"]["id"]})
    assert rotate["code"] == "INVALID_INPUT"
    assert (await api.refused("disableWebhookEndpoint", {"id": "nope"}))["code"] == (
        "WEBHOOK_ENDPOINT_NOT_FOUND"
    )


async def test_private_targets_are_refused_by_a_gateway_that_does_not_allow_them(
    pool, make_partner
):
    strict = create_app_for(pool, Settings(database_url="postgresql://unused/by-tests"))
    transport = httpx.ASGITransport(app=strict)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        api = Api(client, (await make_partner()).key.secret)
        for url in ("http://127.0.0.1:9/x", "http://localhost/x", "http://169.254.169.254/"):
            refused = await api.refused("createWebhookEndpoint", create_input(url))
            assert refused["code"] == "WEBHOOK_TARGET_REFUSED" and refused["field"] == ["url"]


async def test_update_disable_enable_and_rotate(pool, client, receiver, make_partner, make_member):
    partner = await make_partner()
    api = Api(client, partner.key.secret)
    created = await api.ok(
        "createWebhookEndpoint", create_input(receiver.url("c")), f"{ENDPOINT_FIELDS} secret"
    )
    endpoint_id = created["endpoint"]["id"]
    updated = await api.ok(
        "updateWebhookEndpoint",
        {"id": endpoint_id, "eventTypes": ["burn.captured", "points.earned"]},
        ENDPOINT_FIELDS,
    )
    assert updated["endpoint"]["eventTypes"] == ["points.earned", "burn.captured"]
    disabled = await api.ok(
        "disableWebhookEndpoint", {"id": endpoint_id, "reason": "maintenance"}, ENDPOINT_FIELDS
    )
    assert disabled["endpoint"]["status"] == "DISABLED"
    assert disabled["endpoint"]["disabledReason"] == "maintenance"
    assert (await api.refused("sendTestWebhook", {"endpointId": endpoint_id}))["code"] == (
        "WEBHOOK_ENDPOINT_DISABLED"
    )
    enabled = await api.ok(
        "updateWebhookEndpoint", {"id": endpoint_id, "enabled": True}, ENDPOINT_FIELDS
    )
    assert enabled["endpoint"]["status"] == "ACTIVE"
    assert enabled["endpoint"]["disabledReason"] is None
    rotated = await api.ok(
        "rotateWebhookSecret",
        {"id": endpoint_id, "overlapSeconds": 3600},
        "secret endpoint { previousSecretExpiresAt }",
    )
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert rotated["endpoint"]["previousSecretExpiresAt"] is not None


async def test_hmac_rotation_signs_with_both_secrets_until_the_overlap_ends(
    pool, box, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    endpoint, old_secret = await make_endpoint(partner, hook)
    async with pool.connection() as conn, conn.transaction():
        _, new_secret = await endpoint_service.rotate_secret(
            conn,
            box,
            endpoint_id=endpoint.id,
            scope=partner.id,
            overlap=timedelta(hours=1),
            now=clock(),
        )
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()
        [during] = receiver.at(hook)
        assert len(during.headers["webhook-signature"].split(" ")) == 2
        Webhook(old_secret).verify(during.body, during.headers)
        Webhook(new_secret).verify(during.body, during.headers)
        clock.advance(hours=2)
        await earn(pool, partner.id, member)
        await worker.run_once()
    after = receiver.at(hook)[1]
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    Webhook(new_secret).verify(after.body, after.headers)


async def test_events_list_their_deliveries_and_attempts_and_replay_with_the_same_id(
    pool, client, receiver, make_partner, make_member, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    api = Api(client, partner.key.secret)
    hook = receiver.hook(script=[Reply(500, body="oops")])
    created = await api.ok(
        "createWebhookEndpoint", create_input(receiver.url(hook.name)), f"{ENDPOINT_FIELDS} secret"
    )
    hook.hmac_secret = created["secret"]
    endpoint_id = created["endpoint"]["id"]
    for _ in range(3):
        await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()
        clock.advance(seconds=5)
        await worker.run_once()

    page = (await api.data(EVENTS, {"first": 2}))["webhookEvents"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await api.data(EVENTS, {"first": 2, "after": page["pageInfo"]["endCursor"]})
    nodes = [e["node"] for e in page["edges"] + rest["webhookEvents"]["edges"]]
    assert [n["memberSequence"] for n in nodes] == [3, 2, 1]  # newest first
    assert all(n["type"] == "points.earned" for n in nodes)
    failed = [n for n in nodes if len(n["deliveries"][0]["attempts"]) == 2]
    assert len(failed) == 1
    delivery = failed[0]["deliveries"][0]
    assert delivery["endpoint"] == {"id": endpoint_id}
    assert delivery["status"] == "SUCCEEDED" and delivery["httpStatus"] == 200
    assert [a["httpStatus"] for a in delivery["attempts"]] == [500, 200]
    assert delivery["attempts"][0]["responseSnippet"] == "oops"
    assert failed[0]["eventId"] in failed[0]["payload"]

    event_id = nodes[0]["id"]
    replayed = await api.ok("replayWebhookEvent", {"eventId": event_id}, "replayed")
    assert replayed["replayed"] == 1
    async with make_worker(clock=real_now) as worker:
        await worker.run_once()
    sent = [got for got in receiver.at(hook) if got.headers["webhook-id"] == nodes[0]["eventId"]]
    assert len(sent) == 2 and all(got.verified for got in sent)

    stranger = Api(client, (await make_partner()).key.secret)
    assert (await stranger.data(EVENTS, {"first": 10}))["webhookEvents"]["edges"] == []
    refused = await stranger.refused("replayWebhookEvent", {"eventId": event_id})
    assert refused["code"] == "WEBHOOK_EVENT_NOT_FOUND"


async def test_a_test_event_goes_to_that_endpoint_only(
    pool, client, receiver, make_partner, make_worker
):
    partner = await make_partner()
    api = Api(client, partner.key.secret)
    target, bystander = receiver.hook(), receiver.hook()
    made = []
    for hook in (target, bystander):
        created = await api.ok(
            "createWebhookEndpoint",
            create_input(receiver.url(hook.name)),
            f"{ENDPOINT_FIELDS} secret",
        )
        hook.hmac_secret = created["secret"]
        made.append(created["endpoint"]["id"])
    sent = await api.ok(
        "sendTestWebhook",
        {"endpointId": made[0]},
        "event { id eventId type deliveries { status } }",
    )
    assert sent["event"]["type"] == "webhook.test"
    assert sent["event"]["deliveries"] == [{"status": "PENDING"}]
    async with make_worker(clock=real_now) as worker:
        await worker.run_once()
    [got] = receiver.at(target)
    assert got.verified and got.event["type"] == "webhook.test"
    assert got.event["id"] == sent["event"]["eventId"]
    assert got.event["data"]["endpointId"] == made[0]
    assert got.event["partnerId"] == gid("Partner", partner.id)
    assert receiver.at(bystander) == []


async def test_the_published_keys_document(client):
    response = await client.get("/.well-known/webhook-keys")
    assert response.status_code == 200
    assert "max-age" in response.headers["cache-control"]
    keys = response.json()["keys"]
    assert keys and all(set(key) == {"kid", "alg", "publicKey", "notAfter"} for key in keys)
    assert all(key["alg"] == "Ed25519" for key in keys)
    assert all(len(base64.b64decode(key["publicKey"])) == 32 for key in keys)


async def test_event_types_are_listed(client, make_partner):
    api = Api(client, (await make_partner()).key.secret)
    types = (await api.data("{ webhookEventTypes { name description } }"))["webhookEventTypes"]
    names = [t["name"] for t in types]
    for contract in (
        "points.earned",
        "points.earn_reversed",
        "burn.authorized",
        "burn.captured",
        "burn.voided",
        "burn.refunded",
        "points.expired",
        "member.tier_changed",
        "settlement.batch_ready",
        "settlement.batch_paid",
    ):
        assert contract in names


def test_the_contract_names_are_in_the_schema():
    text = sdl()
    for name in (
        "createWebhookEndpoint(input: CreateWebhookEndpointInput!): CreateWebhookEndpointPayload!",
        "updateWebhookEndpoint(input: UpdateWebhookEndpointInput!): UpdateWebhookEndpointPayload!",
        "disableWebhookEndpoint(input: DisableWebhookEndpointInput!):",
        "rotateWebhookSecret(input: RotateWebhookSecretInput!): RotateWebhookSecretPayload!",
        "sendTestWebhook(input: SendTestWebhookInput!): SendTestWebhookPayload!",
        "replayWebhookEvent(input: ReplayWebhookEventInput!): ReplayWebhookEventPayload!",
        "replayDeadLetters(input: ReplayDeadLettersInput!): ReplayDeadLettersPayload!",
        "webhookEndpoints(",
        "webhookEvents(first: Int! = 20, after: String = null",
        "enum WebhookSigning {\n  ED25519\n  HMAC_SHA256\n}",
    ):
        assert name in text, name
