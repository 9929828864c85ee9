"""Spenders racing at a pool's limits and balance: three spenders of 300 a day fire five
spends of 100 each at once (15 at once): each gets exactly 3; then the owner's four spends
of 40 race for the 100 left: two pass, two find too few points. Spends of one pool are
serialized on the pool's account, so neither a limit nor the balance is ever passed."""

from __future__ import annotations

import asyncio

import pytest
from pool_support import Caller, gid, key, member_token, partner_key
from web_client import Web
from webapp_support import Program, base_time

pytestmark = pytest.mark.slow


async def outcome(till: Caller, pool: str, spender: int, points: int) -> str:
    payload = await till.mutate(
        "burnPoolPoints",
        {
            "poolId": pool,
            "memberId": gid("Member", spender),
            "points": points,
            "idempotencyKey": key(),
        },
        "__typename",
    )
    return payload["userErrors"][0]["code"] if payload["userErrors"] else "OK"


async def test_spenders_race_at_their_limits_and_the_pools_balance(
    program: Program, web: Web
) -> None:
    shop = await program.partner("SHOP")
    ana = await program.member(shop, email="ana@example.com")
    spenders = [await program.member(shop, email=f"s{n}@example.com") for n in range(3)]
    await program.ledger.earn(ana, shop, "1000.00", now=base_time())
    client = web()
    owner = await member_token(client, "ana@example.com")
    made = await owner.ok(
        "createPool", {"name": "Company", "idempotencyKey": key()}, "membership { pool { id } }"
    )
    pool = made["membership"]["pool"]["id"]
    for spender in spenders:
        await owner.ok(
            "setPoolMember",
            {
                "poolId": pool,
                "memberId": gid("Member", spender),
                "role": "SPENDER",
                "dailyLimit": 300,
            },
            "__typename",
        )
    await owner.ok(
        "contributeToPool",
        {"poolId": pool, "points": 1000, "idempotencyKey": key()},
        "__typename",
    )
    till = await partner_key(client, program.pool, shop)

    outcomes = await asyncio.gather(
        *(outcome(till, pool, spender, 100) for spender in spenders for _ in range(5))
    )
    for n in range(3):
        mine = outcomes[n * 5 : n * 5 + 5]
        assert sorted(mine) == ["OK"] * 3 + ["POOL_LIMIT_EXCEEDED"] * 2
    rows = await program.rows("SELECT member_id FROM pools")
    account = rows[0]["member_id"]
    assert (await program.balance(account))["balance"] == 100

    outcomes = await asyncio.gather(*(outcome(till, pool, ana, 40) for _ in range(4)))
    assert sorted(outcomes) == ["INSUFFICIENT_POINTS"] * 2 + ["OK"] * 2
    assert (await program.balance(account))["balance"] == 20
    spent = await program.rows(
        "SELECT spender_member_id AS who, sum(points) AS points FROM pool_spends"
        " GROUP BY spender_member_id ORDER BY spender_member_id"
    )
    assert [(row["who"], row["points"]) for row in spent] == [
        (ana, 80),
        *((spender, 300) for spender in spenders),
    ]
    assert await program.audit() == []
