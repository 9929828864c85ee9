"""Pooled accounts over GraphQL, with real numbers. Ana (owner) opens "Family", Ben spends
within 300 points a day and 500 a month, Cleo only contributes. Ana contributes 1,200: her
GROCER lot (expiring first) then FUEL's move into the pool with their issuer and expiry, and
the contribution does not count against her daily transfer limit (1,000 here). At GROCER's
till Ben spends his 300 of the day, the 301st point is refused, Cleo may not spend, Dan (no
member) finds no pool; Ana spends 900 at FUEL without limit. The next day Ben's monthly limit
leaves him 200, and on 1 April the month starts again. Settlement of the period is exact: the
matrix shows the pool's GROCER and FUEL points where they were redeemed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from pool_support import PLACE, Caller, Clock, gid, key, member_token, partner_key
from web_client import Web
from webapp_support import Program

from exchange.kit import clock
from exchange.kit.db import transaction
from settlement import batches, repository
from settlement.audit import run_full_audit
from settlement.batches import Asked

T0 = datetime(2026, 3, 30, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
BURN = "transaction { kind points partner { code } } poolAccount { balance }"


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    moved = Clock(T0)
    monkeypatch.setattr(clock, "now", moved)
    return moved


async def card_of(program: Program, member_id: int) -> str:
    (row,) = await program.rows("SELECT card_number FROM members WHERE id = %s", member_id)
    return str(row["card_number"])


async def place(caller: Caller, pool_gid: str) -> dict[str, object]:
    data = await caller.call(
        "{ viewer { member { pools { role spentToday spendableNow"
        " pool { id balance availableBalance } } } } }"
    )
    pools = [p for p in data["viewer"]["member"]["pools"] if p["pool"]["id"] == pool_gid]
    assert len(pools) == 1
    return pools[0]  # type: ignore[no-any-return]


async def test_a_family_pool_with_real_numbers(program: Program, web: Web, moved: Clock) -> None:
    fuel = await program.partner("FUEL", validity_days=365)
    grocer = await program.partner("GROCER", validity_days=180)
    ana = await program.member(fuel, grocer, email="ana@example.com")
    ben = await program.member(fuel, grocer, email="ben@example.com")
    cleo = await program.member(fuel, grocer, email="cleo@example.com")
    dan = await program.member(fuel, grocer, email="dan@example.com")
    await program.ledger.earn(ana, fuel, "1000.00", now=T0 - DAY)
    await program.ledger.earn(ana, grocer, "500.00", now=T0 - DAY)
    await program.ledger.earn(cleo, fuel, "100.00", now=T0 - DAY)
    client = web()
    ana_app, cleo_app = (
        await member_token(client, "ana@example.com"),
        await member_token(client, "cleo@example.com"),
    )

    made = await ana_app.ok("createPool", {"name": "Family", "idempotencyKey": "family"}, PLACE)
    family = made["membership"]["pool"]["id"]
    assert made["membership"]["role"] == "OWNER"
    again = await ana_app.ok("createPool", {"name": "Family", "idempotencyKey": "family"}, PLACE)
    assert again["membership"]["pool"]["id"] == family  # the same key: the same pool
    await ana_app.ok(
        "setPoolMember",
        {
            "poolId": family,
            "email": "ben@example.com",
            "cardNumber": await card_of(program, ben),
            "role": "SPENDER",
            "dailyLimit": 300,
            "monthlyLimit": 500,
        },
        PLACE,
    )
    added = await ana_app.ok(
        "setPoolMember",
        {"poolId": family, "memberId": gid("Member", cleo), "role": "CONTRIBUTOR"},
        PLACE,
    )
    assert [
        (m["email"], m["role"], m["dailyLimit"], m["monthlyLimit"])
        for m in added["membership"]["pool"]["members"]
    ] == [
        ("ana@example.com", "OWNER", None, None),
        ("ben@example.com", "SPENDER", 300, 500),
        ("cleo@example.com", "CONTRIBUTOR", None, None),
    ]

    # Ana contributes 1,200 (more than her 1,000 a day of gifts: a contribution is none)
    given = await ana_app.ok(
        "contributeToPool",
        {"poolId": family, "points": 1200, "idempotencyKey": key()},
        "transaction { kind points } member { balance } " + PLACE,
    )
    assert given["transaction"] == {"kind": "TRANSFER_OUT", "points": 1200}
    assert given["member"]["balance"] == 300
    assert given["membership"]["pool"]["balance"] == 1200
    await cleo_app.ok(
        "contributeToPool", {"poolId": family, "points": 100, "idempotencyKey": key()}, "__typename"
    )
    rows = await program.rows("SELECT member_id FROM pools")
    account = rows[0]["member_id"]
    assert await program.lots(account) == [  # issuer, points, remaining, expiry: as they were
        (grocer, 500, 500, T0 - DAY + 180 * DAY),
        (fuel, 700, 700, T0 - DAY + 365 * DAY),
        (fuel, 100, 100, T0 - DAY + 365 * DAY),
    ]
    await program.transfer(ana, dan, 300, now=T0, daily_limit=1000)  # her gifts: still free

    # at GROCER's till
    till = await partner_key(client, program.pool, grocer)
    burn = {"poolId": family, "memberId": gid("Member", ben)}
    spent = await till.ok("burnPoolPoints", {**burn, "points": 300, "idempotencyKey": "b1"}, BURN)
    assert spent == {
        "transaction": {"kind": "BURN", "points": 300, "partner": {"code": "GROCER"}},
        "poolAccount": {"balance": 1000},
        "userErrors": [],
    }
    over = await till.refused("burnPoolPoints", {**burn, "points": 1, "idempotencyKey": "b2"})
    assert over == {
        "code": "POOL_LIMIT_EXCEEDED",
        "field": ["points"],
        "message": "at most 300 points a day from this pool for this member: 0 left, 1 asked",
    }
    replay = await till.ok("burnPoolPoints", {**burn, "points": 300, "idempotencyKey": "b1"}, BURN)
    assert replay["poolAccount"]["balance"] == 1000  # the same key: nothing more
    cleo_spends = await till.refused(
        "burnPoolPoints",
        {**burn, "memberId": gid("Member", cleo), "points": 1, "idempotencyKey": "b3"},
    )
    assert cleo_spends["code"] == "POOL_SPENDING_NOT_ALLOWED"
    dans = await till.refused(
        "burnPoolPoints",
        {**burn, "memberId": gid("Member", dan), "points": 1, "idempotencyKey": "b4"},
    )
    assert (dans["code"], dans["field"]) == ("POOL_NOT_FOUND", ["poolId"])

    # Ana spends 900 at FUEL (no limit); 101 more than the pool's 100 is refused
    fuel_till = await partner_key(client, program.pool, fuel)
    owner = {"poolId": family, "memberId": gid("Member", ana)}
    await fuel_till.ok("burnPoolPoints", {**owner, "points": 900, "idempotencyKey": "f1"}, BURN)
    short = await fuel_till.refused(
        "burnPoolPoints", {**owner, "points": 101, "idempotencyKey": "f2"}
    )
    assert short["code"] == "INSUFFICIENT_POINTS"

    # the next day, Ben's month leaves him 200 (the pool has 100 of them)
    moved.at = T0 + DAY
    ben_app = await member_token(client, "ben@example.com")
    assert await place(ben_app, family) == {
        "role": "SPENDER",
        "spentToday": 0,
        "spendableNow": 100,
        "pool": {"id": family, "balance": 100, "availableBalance": 100},
    }
    await program.ledger.earn(ana, fuel, "300.00", now=moved.at)
    await ana_app.ok(
        "contributeToPool", {"poolId": family, "points": 300, "idempotencyKey": key()}, "__typename"
    )
    month = await till.refused("burnPoolPoints", {**burn, "points": 201, "idempotencyKey": "b5"})
    assert month["message"] == (
        "at most 500 points a month from this pool for this member: 200 left, 201 asked"
    )
    await till.ok("burnPoolPoints", {**burn, "points": 200, "idempotencyKey": "b6"}, BURN)
    # 1 April: a new month, a new day
    moved.at = datetime(2026, 4, 1, 0, 0, tzinfo=UTC)
    assert (await place(ben_app, family))["spendableNow"] == 200  # the pool's 200 left
    await till.ok("burnPoolPoints", {**burn, "points": 200, "idempotencyKey": "b7"}, BURN)

    # settled exactly: the pool's points were GROCER's (500) and FUEL's (800)
    batch = await batches.run(
        program.pool,
        period_end=moved.at + DAY,
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=Asked(actor="finance test", caller="test"),
        now=moved.at + DAY,
    )
    async with transaction(program.pool) as conn:
        flows = await repository.flow_rows(conn, batch.id)
        failed = [check.name for check in await run_full_audit(conn) if not check.ok]
    assert [(f["issuer_code"], f["redeemer_code"], f["points"]) for f in flows] == [
        ("FUEL", "FUEL", 700),  # Ana's 900 at FUEL: GROCER's 200 left, then FUEL's 700
        ("FUEL", "GROCER", 400),  # Ben's 200 and 200: FUEL's 100, then Ana's 300 (FUEL)
        ("GROCER", "FUEL", 200),
        ("GROCER", "GROCER", 300),
    ]
    assert failed == []


async def test_the_pools_page(program: Program, web: Web) -> None:
    shop = await program.partner("SHOP")
    ana = await program.member(shop, email="ana@example.com")
    ben = await program.member(shop, email="ben@example.com")
    await program.ledger.earn(ana, shop, "500.00", now=T0)
    client = web()
    await client.log_in("ana@example.com")
    page = (await client.get("/app/pools")).text
    assert "You belong to no pool yet." in page
    opened = await client.post("/app/pools", {"name": "Family", "key": "k-family"})
    assert opened.headers["location"] == "/app/pools"
    page = (await client.get("/app/pools")).text
    (pool_id,) = [row["id"] for row in await program.rows("SELECT id FROM pools")]
    assert "<h2" in page and "Family" in page and "You own this pool" in page
    added = await client.post(
        f"/app/pools/{pool_id}/members",
        {
            "email": "ben@example.com",
            "card": await card_of(program, ana),
            "role": "SPENDER",
            "daily": "300",
            "monthly": "",
        },
    )
    assert added.status_code == 400  # not ben's card: nobody, as a transfer would say
    assert "No member has this email address and card number." in added.text
    added = await client.post(
        f"/app/pools/{pool_id}/members",
        {
            "email": "ben@example.com",
            "card": await card_of(program, ben),
            "role": "SPENDER",
            "daily": "300",
            "monthly": "",
        },
    )
    assert added.status_code == 303
    await client.get("/app/pools")
    given = await client.post(f"/app/pools/{pool_id}/contribute", {"points": "200", "key": "c1"})
    assert given.status_code == 303
    page = (await client.get("/app/pools")).text
    assert "200 points, 200 available now." in page
    assert "<td>ben@example.com</td>" in page and "<td>300</td>" in page
    too_much = await client.post(f"/app/pools/{pool_id}/contribute", {"points": "301", "key": "c2"})
    assert too_much.status_code == 400
    assert "You do not have that many points available." in too_much.text
    history = (await client.get("/app/history")).text
    assert "Given to a shared pool" in history
    (ben,) = [
        r["id"] for r in await program.rows("SELECT id FROM members WHERE email LIKE 'ben%%'")
    ]
    await client.get("/app/pools")
    removed = await client.post(f"/app/pools/{pool_id}/remove", {"member": str(ben)})
    assert removed.status_code == 303
    assert "ben@example.com" not in (await client.get("/app/pools")).text
    russian = (await client.get("/app/pools", headers={"accept-language": "ru"})).text
    assert "Общие пулы" in russian and "Вы владелец этого пула" in russian
    forged = await client.post(f"/app/pools/{pool_id}/contribute", {"points": "1"}, csrf="x")
    assert forged.status_code == 403
