"""Outbound safety: loopback, private, link-local and metadata targets are refused when an
endpoint is registered and again when a delivery connects (after DNS, so a name that
rebinds to 127.0.0.1 is caught); https in production; no redirects; short answers."""

from __future__ import annotations

import ipaddress
from datetime import UTC, datetime

import pytest
from webhooks_support import Reply, attempts_of, deliveries_of, earn

from exchange.kit.errors import InvalidInput
from partners.webhooks import endpoints, targets
from partners.webhooks.endpoints import NewEndpoint, Policy
from partners.webhooks.errors import TargetRefused

PUBLIC = ipaddress.ip_address("93.184.215.14")
STRICT = Policy(production=False, allow_private=False)


def resolving_to(*addresses: str):
    async def resolve(host: str, port: int) -> list[targets.IPAddress]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("127.0.0.1", False),
        ("10.1.2.3", False),
        ("172.16.0.1", False),
        ("192.168.1.1", False),
        ("169.254.169.254", False),
        ("100.64.0.1", False),
        ("100.100.100.200", False),
        ("168.63.129.16", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1", False),
        ("fd00:ec2::254", False),
        ("::ffff:127.0.0.1", False),
        ("::ffff:10.0.0.1", False),
        ("2002:7f00:1::", False),  # 6to4 around 127.0.0.1
        ("64:ff9b::7f00:1", False),  # NAT64 of 127.0.0.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8 (what DNS64 gives IPv4-only hosts)
        ("::127.0.0.1", False),  # IPv4-compatible (deprecated)
        ("::ffff:0:7f00:1", False),  # IPv4-translated
        ("240.0.0.1", False),
        ("8.8.8.8", True),
        ("93.184.215.14", True),
        ("2606:4700:4700::1111", True),
    ],
)
def test_which_addresses_are_public(address, public):
    assert targets.is_public(ipaddress.ip_address(address)) is public


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://localhost:8080/hooks",  # the system resolver says 127.0.0.1
        "http://[::1]/hooks",
        "http://169.254.169.254/latest/meta-data/",
        "https://10.0.0.5/hooks",
        "http://2130706433/hooks",  # 127.0.0.1 written as a number
    ],
)
async def test_registration_refuses_private_targets(pool, box, make_partner, url):
    partner = await make_partner()
    with pytest.raises(TargetRefused):
        await endpoints.create(
            pool,
            box,
            STRICT,
            partner_id=partner.id,
            new=NewEndpoint(url, ["points.earned"]),
            now=datetime.now(UTC),
            caller="test",
        )


async def test_registration_refuses_a_name_that_resolves_somewhere_private(pool, box, make_partner):
    partner = await make_partner()
    sneaky = Policy(
        production=False, allow_private=False, resolver=resolving_to("8.8.8.8", "10.9.8.7")
    )
    with pytest.raises(TargetRefused, match=r"10\.9\.8\.7"):
        await endpoints.create(
            pool,
            box,
            sneaky,
            partner_id=partner.id,
            new=NewEndpoint("https://hooks.partner.example/in", ["points.earned"]),
            now=datetime.now(UTC),
            caller="test",
        )


async def test_production_wants_https_and_urls_without_credentials():
    production = Policy(production=True, allow_private=False, resolver=resolving_to(str(PUBLIC)))
    with pytest.raises(TargetRefused, match="https"):
        await production.check("http://hooks.partner.example/in")
    assert await production.check("https://hooks.partner.example/in")
    for bad in (
        "https://user:pw@hooks.partner.example/",
        "https://hooks.partner.example/#x",
        "nope",
    ):
        with pytest.raises((InvalidInput, TargetRefused)):
            await production.check(bad)


async def test_a_name_that_rebinds_to_loopback_is_refused_at_delivery(
    pool, box, receiver, make_partner, make_member, make_worker
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    url = f"http://hooks.partner.example:{receiver.port}/hooks/{hook.name}"
    at_registration = Policy(
        production=False, allow_private=False, resolver=resolving_to(str(PUBLIC))
    )
    endpoint, secret = await endpoints.create(
        pool,
        box,
        at_registration,
        partner_id=partner.id,
        new=NewEndpoint(url, ["points.earned"], "HMAC_SHA256"),
        now=datetime.now(UTC),
        caller="test",
    )
    hook.hmac_secret = secret
    await earn(pool, partner.id, member)
    async with make_worker(allow_private=False, resolver=resolving_to("127.0.0.1")) as worker:
        await worker.run_once()
    assert receiver.at(hook) == []
    [delivery] = await deliveries_of(pool, endpoint.id)
    assert delivery["status"] == "PENDING"
    [attempt] = await attempts_of(pool, delivery["id"])
    assert attempt["http_status"] is None and attempt["error"].startswith("blocked:")
    assert "127.0.0.1" in attempt["error"]


async def test_a_literal_private_address_is_refused_at_delivery_too(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook()
    endpoint, _ = await make_endpoint(partner, hook)  # registered while private was allowed
    await earn(pool, partner.id, member)
    async with make_worker(allow_private=False) as worker:
        await worker.run_once()
    assert receiver.at(hook) == []
    [delivery] = await deliveries_of(pool, endpoint.id)
    [attempt] = await attempts_of(pool, delivery["id"])
    assert attempt["error"].startswith("blocked:")


async def test_redirects_are_not_followed_and_answers_are_read_only_so_far(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner = await make_partner()
    member = await make_member(partner)
    elsewhere = receiver.hook()
    moved = receiver.hook(default=Reply(307, headers={"Location": receiver.url(elsewhere.name)}))
    chatty = receiver.hook(default=Reply(200, body="x" * 100_000))
    redirected, _ = await make_endpoint(partner, moved)
    long_answer, _ = await make_endpoint(partner, chatty)
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()
    assert len(receiver.at(moved)) == 1 and receiver.at(elsewhere) == []
    [delivery] = await deliveries_of(pool, redirected.id)
    assert delivery["status"] == "PENDING" and delivery["last_http_status"] == 307
    [delivery] = await deliveries_of(pool, long_answer.id)
    [attempt] = await attempts_of(pool, delivery["id"])
    assert attempt["http_status"] == 200 and attempt["response_snippet"] == "x" * 1024
