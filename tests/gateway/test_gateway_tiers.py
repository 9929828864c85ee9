"""Tiers and paid memberships over GraphQL: the admin sets the ladder and the plans, an earn
that crosses a threshold shows in Member.tier at once, a Gold member earns x1.5, a partner
sells "Gold for 12 months" (tier PAID until the membership ends), and the refusals. A ladder
is program-wide, so these tests run on a database of their own."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from gateway_support import Api, member_gid, new_key

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, transaction
from exchange.kit.settings import Settings
from exchange.ledger import members
from partners import earn_rule_cache, keys, registry

LADDER = "ladder { version window reviewEvery graceDays tiers { name threshold multiplier } }"
TIER = (
    "tier { name multiplier benefits qualifyingPoints nextTier { name threshold pointsToGo }"
    " validUntil source }"
)
TIERS = {
    "tiers": [
        {"name": "Blue", "threshold": 0, "benefits": "Welcome"},
        {"name": "Silver", "threshold": 1000, "multiplier": "1.25", "benefits": "Priority"},
        {"name": "Gold", "threshold": 5000, "multiplier": "1.5", "benefits": "Lounge"},
    ],
    "window": "P365D",
    "reviewEvery": "P90D",
    "graceDays": 14,
}
GOLD12 = {
    "code": "GOLD12",
    "name": "Gold for 12 months",
    "tier": "Gold",
    "term": "P365D",
    "price": {"amount": "49.00", "currency": "EUR"},
}


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


@pytest.fixture
async def client(fresh_pool: Pool) -> AsyncIterator[httpx.AsyncClient]:
    earn_rule_cache.forget()  # partner ids repeat from one database of its own to the next
    app = create_app_for(fresh_pool, Settings(database_url="postgresql://unused", currency="EUR"))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
async def admin(client: httpx.AsyncClient, fresh_pool: Pool) -> Api:
    async with transaction(fresh_pool) as conn:
        issued = await keys.create_key(conn, role="admin", partner_id=None, name="admin")  # type: ignore[arg-type]
    return Api(client, issued.secret)


async def shop(client: httpx.AsyncClient, pool: Pool, code: str) -> tuple[int, Api]:
    async with transaction(pool) as conn:
        partner, key = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=code,
                earn_rate=Decimal("1"),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return partner.id, Api(client, key.secret)


async def member_of(pool: Pool, partner_id: int) -> int:
    async with transaction(pool) as conn:
        return await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner_id, now=datetime.now(UTC)
        )


async def tier_of(api: Api, member: int) -> dict[str, Any] | None:
    data = await api.data(
        f"query($id: ID!) {{ member(id: $id) {{ {TIER} }} }}", {"id": member_gid(member)}
    )
    found: dict[str, Any] | None = data["member"]["tier"]
    return found


async def earn(api: Api, member: int, amount: str) -> int:
    done = await api.ok(
        "earnPoints",
        {"memberId": member_gid(member), "amount": eur(amount), "idempotencyKey": new_key()},
        "transaction { points }",
    )
    points: int = done["transaction"]["points"]
    return points


async def test_the_admin_sets_tiers_and_an_earn_raises_the_member_at_once(
    admin: Api, client: httpx.AsyncClient, fresh_pool: Pool
) -> None:
    partner_id, till = await shop(client, fresh_pool, "FUEL")
    first = {**TIERS, "idempotencyKey": "tiers-1"}
    done = await admin.ok("setTiers", first, LADDER)
    assert done["ladder"] == {
        "version": 1,
        "window": "P365D",
        "reviewEvery": "P90D",
        "graceDays": 14,
        "tiers": [
            {"name": "Blue", "threshold": 0, "multiplier": "1"},
            {"name": "Silver", "threshold": 1000, "multiplier": "1.25"},
            {"name": "Gold", "threshold": 5000, "multiplier": "1.5"},
        ],
    }
    assert await admin.ok("setTiers", first, LADDER) == done  # the same key: the same version
    read = await till.data("{ tierLadder { version tiers { name benefits } } }")
    assert read["tierLadder"]["tiers"][2] == {"name": "Gold", "benefits": "Lounge"}

    member = await member_of(fresh_pool, partner_id)
    assert await tier_of(till, member) == {
        "name": "Blue",
        "multiplier": "1",
        "benefits": "Welcome",
        "qualifyingPoints": 0,
        "nextTier": {"name": "Silver", "threshold": 1000, "pointsToGo": 1000},
        "validUntil": None,
        "source": "EARNED",
    }
    assert await earn(till, member, "1000.00") == 1000
    silver = await tier_of(till, member)
    assert silver is not None
    assert (silver["name"], silver["qualifyingPoints"], silver["nextTier"]) == (
        "Silver",
        1000,
        {"name": "Gold", "threshold": 5000, "pointsToGo": 4000},
    )
    assert await earn(till, member, "100.00") == 125  # x1.25 at Silver


async def test_a_partner_sells_gold_for_12_months(
    admin: Api, client: httpx.AsyncClient, fresh_pool: Pool
) -> None:
    partner_id, till = await shop(client, fresh_pool, "GROCER")
    member = await member_of(fresh_pool, partner_id)
    await admin.ok("setTiers", {**TIERS, "idempotencyKey": "t"}, "__typename")
    plans = await admin.ok(
        "setMembershipPlans",
        {"plans": [GOLD12], "idempotencyKey": "plans-1"},
        "catalogue { version plans { code name tier multiplier term price { amount currency } } }",
    )
    assert plans["catalogue"]["plans"] == [
        {
            "code": "GOLD12",
            "name": "Gold for 12 months",
            "tier": "Gold",
            "multiplier": None,
            "term": "P365D",
            "price": eur("49.00"),
        }
    ]
    sale = {"memberId": member_gid(member), "plan": "GOLD12", "idempotencyKey": "sale-1"}
    fields = "membership { planCode tier startsAt endsAt price { amount currency } }"
    fields += f" member {{ {TIER} }}"
    sold = await till.ok("sellMembership", sale, fields)
    assert sold["membership"]["price"] == eur("49.00")
    assert sold["member"]["tier"]["name"] == "Gold"
    assert sold["member"]["tier"]["source"] == "PAID"
    assert sold["member"]["tier"]["validUntil"] == sold["membership"]["endsAt"]
    assert await till.ok("sellMembership", sale, fields) == sold  # sold once
    again = {**sale, "idempotencyKey": "sale-2"}
    extended = await till.ok("sellMembership", again, "membership { startsAt endsAt }")
    assert extended["membership"]["startsAt"] == sold["membership"]["endsAt"]
    held = await till.data(
        "query($id: ID!) { member(id: $id) { memberships { planCode startsAt } } }",
        {"id": member_gid(member)},
    )
    assert [m["startsAt"] for m in held["member"]["memberships"]] == [
        sold["membership"]["endsAt"],
        sold["membership"]["startsAt"],
    ]
    assert await earn(till, member, "100.00") == 150  # x1.5 at Gold
    quote = await till.data(
        'query($id: ID!) { earnQuote(memberId: $id, amount: {amount: "10.00", currency:'
        ' "EUR"}) { points lines { multiplier } explanation { rule message } } }',
        {"id": member_gid(member)},
    )
    assert quote["earnQuote"]["points"] == 15
    assert quote["earnQuote"]["lines"] == [{"multiplier": "1.5"}]
    assert {"rule": "MULTIPLIER", "message": "x1.5 (tier:Gold) on every line"} in quote[
        "earnQuote"
    ]["explanation"]

    unknown = await till.refused(
        "sellMembership", {**sale, "plan": "PLATINUM", "idempotencyKey": "x"}
    )
    assert (unknown["code"], unknown["field"]) == ("MEMBERSHIP_PLAN_NOT_FOUND", ["plan"])
    other_id, other = await shop(client, fresh_pool, "AIRLINE")
    assert other_id != partner_id
    hidden = await other.refused("sellMembership", {**sale, "idempotencyKey": "y"})
    assert hidden["code"] == "MEMBER_NOT_FOUND"


async def test_refusals_and_roles(admin: Api, client: httpx.AsyncClient, fresh_pool: Pool) -> None:
    _, till = await shop(client, fresh_pool, "KIOSK")
    backwards = {
        **TIERS,
        "tiers": [{"name": "Gold", "threshold": 5000}, {"name": "Silver", "threshold": 1000}],
        "idempotencyKey": "bad",
    }
    refused = await admin.refused("setTiers", backwards)
    assert (refused["code"], refused["field"]) == ("INVALID_INPUT", ["tiers", "1", "threshold"])
    months = await admin.refused("setTiers", {**TIERS, "window": "PT36H", "idempotencyKey": "w"})
    assert months["field"] == ["window"]
    no_tier = await admin.refused("setMembershipPlans", {"plans": [GOLD12], "idempotencyKey": "p"})
    assert no_tier["field"] == ["plans", "0", "tier"]  # no ladder in force has a Gold
    result = await till.call(
        "mutation($input: SetTiersInput!) { setTiers(input: $input) { __typename } }",
        {"input": {**TIERS, "idempotencyKey": "partner"}},
    )
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
