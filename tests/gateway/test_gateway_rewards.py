"""The reward catalogue over GraphQL: listing, changing, redeeming through the burn path, a
refund giving the unit back, and the stock never oversold under concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from burn_rules_support import earn, entry, eur, set_rules
from gateway_support import TX_FIELDS, member_gid, new_key, row_counts

from exchange.gateway.auth import Principal
from exchange.gateway.types.rewards import _scope
from exchange.kit.ids import from_global_id, to_global_id
from exchange.ledger.audit import run_audit

REWARD = "reward { id name points stock status available activeUntil partner { code } }"
LIST = (
    "query($p: String, $first: Int!, $after: String) { rewards(partnerCode: $p, first: $first,"
    " after: $after) { edges { cursor node { name status available } }"
    " pageInfo { hasNextPage endCursor } } }"
)


def fuel_input(**changes: object) -> dict[str, object]:
    return {
        "name": "20 litres of fuel",
        "description": "Any grade, at any of our stations.",
        "points": 3999,
        "stock": 2,
        "idempotencyKey": new_key("reward"),
        **changes,
    }


async def station(api, make_partner, make_member, members: int = 1):
    """A fuel station earning 50 points per EUR, and members with 5,000 points each."""
    partner = await make_partner(earn_rate="50")
    till = api(partner.key.secret)
    found = []
    for _ in range(members):
        member = await make_member(partner)
        await earn(till, member, "100.00")
        found.append(member)
    return partner, till, found


def redeem(member: int, reward: str, key: str | None = None) -> dict[str, object]:
    return {
        "memberId": member_gid(member),
        "rewardId": reward,
        "idempotencyKey": key or new_key("redeem"),
    }


async def test_redeeming_a_reward_burns_its_points_and_takes_a_unit(
    api, make_partner, make_member, pool
):
    partner, till, [member] = await station(api, make_partner, make_member)
    created = await till.ok("createReward", fuel_input(), REWARD)
    reward = created["reward"]
    assert reward | {"id": None} == {
        "id": None,
        "name": "20 litres of fuel",
        "points": 3999,
        "stock": 2,
        "status": "ACTIVE",
        "available": True,
        "activeUntil": None,
        "partner": {"code": partner.code},
    }
    fields = f"{TX_FIELDS} member {{ balance }} {REWARD}"
    done = await till.ok("redeemReward", redeem(member, reward["id"]), fields)
    assert done["transaction"]["kind"] == "BURN"
    assert done["transaction"]["points"] == 3999
    assert done["member"]["balance"] == 1001
    assert done["reward"]["stock"] == 1
    burn = await entry(pool, done["transaction"]["id"])
    assert burn["reason"] == "Reward: 20 litres of fuel"
    assert burn["details"]["reward"] == {"id": reward["id"], "name": "20 litres of fuel"}
    assert burn["details"]["pointValueFrom"] == "REDEMPTION_VALUE"

    before = await row_counts(pool)
    short = await till.refused("redeemReward", redeem(member, reward["id"]))
    assert short["code"] == "INSUFFICIENT_POINTS"
    assert await row_counts(pool) == before

    refund = {"transactionId": done["transaction"]["id"], "idempotencyKey": new_key()}
    half = await till.ok("refundBurn", {**refund, "points": 2000}, "member { balance }")
    assert half["member"]["balance"] == 3001
    shown = await till.data(
        "query($id: ID!) { node(id: $id) { ... on Reward { stock } } }", {"id": reward["id"]}
    )
    assert shown["node"]["stock"] == 1  # the unit comes back with the last point
    rest = {**refund, "idempotencyKey": new_key()}
    await till.ok("refundBurn", rest, "__typename")
    await till.ok("refundBurn", rest, "__typename")  # a retry gives nothing more
    shown = await till.data(
        "query($id: ID!) { node(id: $id) { ... on Reward { stock } } }", {"id": reward["id"]}
    )
    assert shown["node"]["stock"] == 2


async def test_a_retry_redeems_once(api, make_partner, make_member):
    _, till, [member] = await station(api, make_partner, make_member)
    reward = (await till.ok("createReward", fuel_input(points=100), REWARD))["reward"]
    given = redeem(member, reward["id"])
    first = await till.ok("redeemReward", given, f"{TX_FIELDS} {REWARD}")
    await till.ok("retireReward", {"rewardId": reward["id"]}, REWARD)
    again = await till.ok("redeemReward", given, f"{TX_FIELDS} {REWARD}")
    assert again["transaction"] == first["transaction"]
    assert again["reward"]["stock"] == 1
    other = await till.refused("redeemReward", {**given, "memberId": member_gid(member + 10**9)})
    assert other["code"] == "IDEMPOTENCY_CONFLICT"


async def test_a_redemption_meets_the_partners_burn_rules(admin, api, make_partner, make_member):
    partner, till, [member] = await station(api, make_partner, make_member)
    reward = (await till.ok("createReward", fuel_input(), REWARD))["reward"]
    # priced in points, not a basket: a share of the basket does not apply, minimum points do
    await set_rules(admin, partner.code, maxBasketShare="0.2", minimumPoints=4000)
    error = await till.refused("redeemReward", redeem(member, reward["id"]))
    assert error == {
        "code": "BURN_LIMIT_EXCEEDED",
        "field": ["points"],
        "message": "at least 4000 points per burn: 3999 requested",
    }
    await set_rules(admin, partner.code, maxBasketShare="0.2", minimumBasket=eur("50.00"))
    await till.ok("redeemReward", redeem(member, reward["id"]), "__typename")
    await set_rules(admin, partner.code, acceptsRedemption=False)
    error = await till.refused("redeemReward", redeem(member, reward["id"]))
    assert error["code"] == "REDEMPTION_NOT_ACCEPTED"


async def test_what_cannot_be_redeemed_says_why(api, make_partner, make_member):
    partner, till, [member] = await station(api, make_partner, make_member)
    other = api((await make_partner()).key.secret)
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    soon = (await till.ok("createReward", fuel_input(activeFrom=later), REWARD))["reward"]
    none_left = (await till.ok("createReward", fuel_input(stock=0), REWARD))["reward"]
    retired = (await till.ok("createReward", fuel_input(), REWARD))["reward"]
    await till.ok("retireReward", {"rewardId": retired["id"]}, REWARD)
    theirs = (await other.ok("createReward", fuel_input(), REWARD))["reward"]
    cases = [
        (soon["id"], "REWARD_NOT_AVAILABLE"),
        (none_left["id"], "REWARD_OUT_OF_STOCK"),
        (retired["id"], "REWARD_NOT_AVAILABLE"),
        (theirs["id"], "REWARD_NOT_FOUND"),
        ("junk", "REWARD_NOT_FOUND"),
        (to_global_id("Reward", 10**12), "REWARD_NOT_FOUND"),
    ]
    for reward_id, code in cases:
        error = await till.refused("redeemReward", redeem(member, reward_id))
        assert (error["code"], error["field"]) == (code, ["rewardId"]), reward_id
    assert partner


async def test_a_partner_changes_and_retires_its_rewards(api, make_partner):
    partner = await make_partner()
    till, other = api(partner.key.secret), api((await make_partner()).key.secret)
    reward = (
        await till.ok("createReward", fuel_input(activeUntil="2099-01-01T00:00:00Z"), REWARD)
    )["reward"]
    changed = await till.ok(
        "updateReward",
        {"rewardId": reward["id"], "name": "25 litres", "stock": None, "activeUntil": None},
        REWARD,
    )
    assert (changed["reward"]["name"], changed["reward"]["stock"]) == ("25 litres", None)
    assert changed["reward"]["activeUntil"] is None
    assert changed["reward"]["points"] == 3999  # not given: unchanged
    bad = [
        ({"name": " "}, "INVALID_INPUT", ["name"]),
        ({"name": None}, "INVALID_INPUT", ["name"]),
        ({"points": 0}, "INVALID_AMOUNT", ["points"]),
        ({"stock": -1}, "INVALID_INPUT", ["stock"]),
        ({"activeUntil": "2000-01-01T00:00:00Z"}, "INVALID_INPUT", ["activeUntil"]),
        ({"description": "a\x07b"}, "INVALID_INPUT", ["description"]),
    ]
    for given, code, field in bad:
        error = await till.refused("updateReward", {"rewardId": reward["id"], **given})
        assert (error["code"], error["field"]) == (code, field), given
    error = await other.refused("updateReward", {"rewardId": reward["id"], "points": 1})
    assert error["code"] == "REWARD_NOT_FOUND"
    error = await other.refused("retireReward", {"rewardId": reward["id"]})
    assert error["code"] == "REWARD_NOT_FOUND"
    retired = await till.ok("retireReward", {"rewardId": reward["id"]}, REWARD)
    assert (retired["reward"]["status"], retired["reward"]["available"]) == ("RETIRED", False)
    error = await till.refused("createReward", fuel_input(points=0))
    assert (error["code"], error["field"]) == ("INVALID_AMOUNT", ["points"])


async def test_create_reward_is_idempotent(api, make_partner):
    till = api((await make_partner()).key.secret)
    given = fuel_input()
    first = await till.ok("createReward", given, REWARD)
    assert await till.ok("createReward", given, REWARD) == first
    error = await till.refused("createReward", {**given, "points": 5})
    assert error["code"] == "IDEMPOTENCY_CONFLICT"


async def test_the_catalogue_lists_what_is_offered_and_owners_see_all(admin, api, make_partner):
    partner = await make_partner()
    till, other = api(partner.key.secret), api((await make_partner()).key.secret)
    for name in ("a", "b", "c"):
        await till.ok("createReward", fuel_input(name=name), REWARD)
    retired = (await till.ok("createReward", fuel_input(name="old"), REWARD))["reward"]
    await till.ok("retireReward", {"rewardId": retired["id"]}, REWARD)

    async def names(client, **variables):
        found = await client.data(LIST, {"p": partner.code, "first": 20, **variables})
        return [edge["node"]["name"] for edge in found["rewards"]["edges"]]

    assert await names(other) == ["a", "b", "c"]
    assert await names(till) == ["a", "b", "c", "old"]
    assert await names(admin) == ["a", "b", "c", "old"]
    page = (await other.data(LIST, {"p": partner.code, "first": 2}))["rewards"]
    assert [e["node"]["name"] for e in page["edges"]] == ["a", "b"]
    assert page["pageInfo"]["hasNextPage"] is True
    rest = await names(other, first=2, after=page["pageInfo"]["endCursor"])
    assert rest == ["c"]
    unknown = await other.call(LIST, {"p": "NOPE", "first": 5})
    assert unknown["errors"][0]["extensions"]["code"] == "PARTNER_NOT_FOUND"


def test_who_sees_which_rewards() -> None:
    member = Principal(role="member", partner_id=None, key_id=1, member_id=7)
    partner = Principal(role="partner", partner_id=3, key_id=1)
    staff = Principal(role="finance", partner_id=None, key_id=1)
    assert _scope(member, None) == (None, True)
    assert _scope(member, 3) == (3, True)
    assert _scope(partner, None) == (3, False)
    assert _scope(partner, 3) == (3, False)
    assert _scope(partner, 4) == (4, True)
    assert _scope(staff, None) == (None, False)


async def test_concurrent_redemptions_never_take_more_than_the_stock(
    api, make_partner, make_member, pool
):
    _, till, members = await station(api, make_partner, make_member, members=12)
    reward = (await till.ok("createReward", fuel_input(points=1000, stock=5), REWARD))["reward"]
    before = await row_counts(pool)
    results = await asyncio.gather(
        *[
            till.mutate("redeemReward", redeem(member, reward["id"]), TX_FIELDS)
            for member in members
        ]
    )
    done = [result for result in results if not result["userErrors"]]
    refused = [result["userErrors"][0]["code"] for result in results if result["userErrors"]]
    assert len(done) == 5
    assert refused == ["REWARD_OUT_OF_STOCK"] * 7
    after = await row_counts(pool)
    assert after["journal_entries"] - before["journal_entries"] == 5
    shown = await till.data(
        "query($id: ID!) { node(id: $id) { ... on Reward { stock } } }", {"id": reward["id"]}
    )
    assert shown["node"]["stock"] == 0
    async with pool.connection() as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM reward_redemptions WHERE reward_id = %s",
            (from_global_id(reward["id"])[1],),
        )
        row = await cur.fetchone()
        assert row["n"] == 5
        results = await run_audit(conn)
    assert all(check.ok for check in results), [c.name for c in results if not c.ok]
