"""Rate limits per API key by query cost: a token bucket shared by every gateway process
(a row in PostgreSQL), RATE_LIMITED with HTTP 429 and Retry-After, nothing run."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from gateway_support import Api, member_gid, new_key, row_counts
from metrics_support import scrape, value

from exchange.gateway.app import create_app_for
from exchange.kit.settings import Settings

EARN = (
    "mutation($i: EarnPointsInput!) { earnPoints(input: $i) { transaction { id }"
    " userErrors { code } } }"
)
EARN_COST = 22  # 10 for a write; 1 for the payload, 1 its transaction, 10 its userErrors (a list)


def limited(per_second: int, burst: int) -> Settings:
    return Settings(
        database_url="postgresql://unused/by-tests",
        rate_limit_per_second=per_second,
        rate_limit_burst=burst,
        max_query_cost=burst,
    )


def gateway(pool, settings: Settings) -> httpx.AsyncClient:
    """A gateway process of its own (its own limiter and leases) on the shared database."""
    transport = httpx.ASGITransport(app=create_app_for(pool, settings))
    return httpx.AsyncClient(transport=transport, base_url="http://gateway.test")


def earn_input(member: int) -> dict:
    return {
        "i": {
            "memberId": member_gid(member),
            "amount": {"amount": "1.00", "currency": "EUR"},
            "idempotencyKey": new_key(),
        }
    }


async def test_an_empty_bucket_is_429_with_retry_after_and_runs_nothing(
    pool, make_partner, make_member
):
    """A bucket of 66 refilled at 11 a second: three earns of cost 22 pass, the fourth
    waits the second or two the bucket needs to hold 22 again."""
    partner = await make_partner()
    member = await make_member(partner)
    async with gateway(pool, limited(per_second=11, burst=3 * EARN_COST)) as client:
        api = Api(client, partner.key.secret)
        for _ in range(3):
            response = await api.post(EARN, earn_input(member))
            assert response.status_code == 200, response.text
        before = await row_counts(pool)
        refused = await api.post(EARN, earn_input(member))
        assert refused.status_code == 429
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 2
        body = refused.json()
        assert body.get("data") is None
        error = body["errors"][0]
        assert error["extensions"]["code"] == "RATE_LIMITED"
        assert error["extensions"]["retryAfter"] == wait
        assert error["extensions"]["cost"] == EARN_COST
        assert await row_counts(pool) == before
        await asyncio.sleep(wait)
        assert (await api.post(EARN, earn_input(member))).status_code == 200


async def test_each_key_has_its_own_bucket(pool, make_partner, make_member):
    first, second = await make_partner(), await make_partner()
    member = await make_member(first)
    async with gateway(pool, limited(per_second=1, burst=EARN_COST)) as client:
        assert (
            await Api(client, first.key.secret).post(EARN, earn_input(member))
        ).status_code == 200
        assert (
            await Api(client, first.key.secret).post(EARN, earn_input(member))
        ).status_code == 429
        other = await Api(client, second.key.secret).post(
            "{ transactions(first: 1) { edges { cursor } } }"
        )
        assert other.status_code == 200


async def test_processes_share_the_bucket_under_concurrency(pool, make_partner, make_member):
    """Two gateway processes, 24 concurrent earns on one key: exactly three get through.
    The bucket holds three earns and one unit (each process may hold a lease of 1/20 of a
    second's refill, 0.05 here, that the other cannot use), and a refill of 1 a second adds
    less than an earn costs while the test runs."""
    partner = await make_partner()
    member = await make_member(partner)
    settings = limited(per_second=1, burst=3 * EARN_COST + 1)
    async with gateway(pool, settings) as one, gateway(pool, settings) as two:
        apis = [Api(one, partner.key.secret), Api(two, partner.key.secret)]
        responses = await asyncio.gather(
            *(apis[i % 2].post(EARN, earn_input(member)) for i in range(24))
        )
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [200] * 3 + [429] * 21
    earned = [r.json()["data"]["earnPoints"] for r in responses if r.status_code == 200]
    assert all(payload["userErrors"] == [] for payload in earned)


async def test_refusals_are_counted(pool, make_partner):
    partner = await make_partner()
    async with gateway(pool, limited(per_second=1, burst=2)) as client:
        api = Api(client, partner.key.secret)
        query = "{ transactions(first: 1) { edges { cursor } } }"  # costs 2
        before = value(
            await scrape(client), "exchange_rate_limited_requests_total", principal="partner"
        )
        assert (await api.post(query)).status_code == 200
        assert (await api.post(query)).status_code == 429
        after = value(
            await scrape(client), "exchange_rate_limited_requests_total", principal="partner"
        )
    assert after - before == 1


async def test_an_operation_over_the_cost_limit_is_refused_before_it_runs(api, make_partner):
    partner = await make_partner()
    query = (
        "{ transactions(first: 100) { edges { node { member { transactions(first: 100)"
        " { edges { node { id } } } } } } } }"
    )
    response = await api(partner.key.secret).post(query)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert error["extensions"]["cost"] == 1 + 100 + 100 + 100 * (1 + 1 + 100 + 100)
    assert error["extensions"]["maxCost"] == 5000


def test_a_bucket_smaller_than_a_query_is_refused():
    with pytest.raises(ValueError, match="EXCHANGE_RATE_LIMIT_BURST"):
        Settings(rate_limit_burst=10, max_query_cost=100)
    assert Settings(rate_limit_per_second=0, rate_limit_burst=10, max_query_cost=100)
