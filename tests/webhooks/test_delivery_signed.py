"""Deliveries as a partner's receiver sees them: Standard Webhooks headers, a body of
documented shape, signatures that the published libraries verify (HMAC with
``standardwebhooks``, Ed25519 with ``cryptography`` and the published keys), and only the
events that partner subscribed to and may see."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from webhooks_support import (
    VerificationFailed,
    attempts_of,
    deliveries_of,
    earn,
    gid,
    verify_ed25519,
)

from exchange.kit.db import transaction
from partners.webhooks import signing_keys


async def test_an_hmac_delivery_verifies_with_the_standard_webhooks_library(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    endpoint, secret = await make_endpoint(partner, hook)
    assert secret is not None and secret.startswith("whsec_")
    earned = await earn(pool, partner.id, member, "12.00")
    async with make_worker() as worker:
        await worker.run_once()

    [got] = receiver.at(hook)
    assert got.verified, got.problem
    event = Webhook(secret).verify(got.body, got.headers)
    assert set(event) == {"type", "id", "createdAt", "partnerId", "data"}
    assert event["type"] == "points.earned"
    assert event["id"] == got.headers["webhook-id"] and event["id"].startswith("evt_")
    assert event["partnerId"] == gid("Partner", partner.id)
    assert event["data"]["memberId"] == gid("Member", member)
    assert event["data"]["transactionId"] == gid("Transaction", earned.transaction_id)
    assert event["data"]["points"] == 12
    assert event["data"]["amount"] == {"amount": "12.00", "currency": "EUR"}
    assert event["data"]["memberSequence"] == 1
    assert datetime.fromisoformat(event["createdAt"]).tzinfo is not None
    assert got.headers["content-type"] == "application/json"
    assert abs(int(got.headers["webhook-timestamp"]) - time.time()) < 60
    assert got.headers["webhook-signature"].startswith("v1,")

    [delivery] = await deliveries_of(pool, endpoint.id)
    assert delivery["status"] == "SUCCEEDED" and delivery["attempts"] == 1
    [attempt] = await attempts_of(pool, delivery["id"])
    assert attempt["http_status"] == 200 and attempt["response_snippet"] == "ok"
    assert attempt["error"] is None and attempt["latency_ms"] >= 0


async def test_the_receiver_rejects_a_tampered_body_a_wrong_secret_and_an_old_timestamp(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    _, secret = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()
    [got] = receiver.at(hook)
    assert secret is not None
    Webhook(secret).verify(got.body, got.headers)

    tampered = got.body.replace(b'"points": 10', b'"points": 10000')
    assert tampered != got.body
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, got.headers)
    other = "whsec_" + "A" * 43 + "="
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(got.body, got.headers)


async def test_a_delivery_signed_outside_the_tolerance_is_refused_and_retried(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    endpoint, _ = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    async with make_worker(wall=lambda: time.time() - 600) as worker:
        await worker.run_once()
    [got] = receiver.at(hook)
    assert not got.verified and "too old" in (got.problem or "")
    [delivery] = await deliveries_of(pool, endpoint.id)
    assert delivery["status"] == "PENDING" and delivery["last_http_status"] == 400

    clock.advance(seconds=5)
    async with make_worker() as worker:
        await worker.run_once()
    assert [item.verified for item in receiver.at(hook)] == [False, True]
    assert receiver.at(hook)[1].headers["webhook-id"] == got.headers["webhook-id"]


async def test_an_ed25519_delivery_verifies_with_the_published_keys(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, public_keys, client
):
    published = (await client.get("/.well-known/webhook-keys")).json()
    assert {key["publicKey"] for key in published["keys"]} == set(public_keys)
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(public_keys=public_keys)
    _, secret = await make_endpoint(partner, hook, signing="ED25519")
    assert secret is None
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()

    [got] = receiver.at(hook)
    assert got.verified, got.problem
    assert got.headers["webhook-signature"].startswith("v1a,")
    event = verify_ed25519(got.body, got.headers, public_keys)
    assert event["id"] == got.headers["webhook-id"]
    with pytest.raises(VerificationFailed):
        verify_ed25519(got.body.replace(b"points", b"pOints"), got.headers, public_keys)
    with pytest.raises(VerificationFailed):
        verify_ed25519(got.body, got.headers, ["11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="])
    late = datetime.fromtimestamp(int(got.headers["webhook-timestamp"]) + 3600, UTC)
    with pytest.raises(VerificationFailed):
        verify_ed25519(got.body, got.headers, public_keys, now=late)


async def test_a_rotation_signs_with_both_keys_during_the_overlap(
    pool, box, receiver, make_partner, make_member, make_endpoint, make_worker, public_keys
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(public_keys=public_keys)
    await make_endpoint(partner, hook, signing="ED25519")
    async with transaction(pool) as conn:
        new, retiring = await signing_keys.rotate(conn, box, now=datetime.now(UTC))
    assert {key.public_key for key in retiring} <= set(public_keys)  # each still signs
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()

    [got] = receiver.at(hook)
    signatures = got.headers["webhook-signature"].split(" ")
    assert len(signatures) == len(public_keys) + 1
    assert all(s.startswith("v1a,") for s in signatures)
    verify_ed25519(got.body, got.headers, public_keys)  # a receiver that knows the old key
    verify_ed25519(got.body, got.headers, [new.public_key])  # one that knows only the new


async def test_a_partner_receives_only_its_own_subscribed_events(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner, other = await make_partner(), await make_partner()
    member = await make_member(partner)
    await make_member(other, email=f"shared-{member}@example.com")
    hook = receiver.hook()
    endpoint, _ = await make_endpoint(partner, hook, event_types=("burn.authorized",))
    other_hook = receiver.hook()
    await make_endpoint(other, other_hook, event_types=("points.earned",))
    await earn(pool, partner.id, member)  # points.earned: not subscribed by ``partner``
    async with make_worker() as worker:
        await worker.run_once()
    assert receiver.at(hook) == [] and receiver.at(other_hook) == []
    assert await deliveries_of(pool, endpoint.id) == []
