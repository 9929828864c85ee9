"""transferPoints in the ledger: lots move with their issuer, issue price and expiry, earliest
expiry first; never more than available, nor than the daily limit; idempotent; audited."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from webapp_support import Program, base_time, new_key

from exchange.kit.db import transaction
from exchange.kit.errors import IdempotencyConflict, InvalidInput
from exchange.ledger import members, transfers
from exchange.ledger.errors import (
    InsufficientPoints,
    MemberClosed,
    MemberNotFound,
    TransferLimitExceeded,
)


async def test_worked_example_lots_of_two_issuers_move_earliest_expiry_first(
    program: Program,
) -> None:
    t0 = base_time() - timedelta(days=3)
    fuel = await program.partner("FUEL", earn_rate="1", issue_price="0.010", validity_days=30)
    grocer = await program.partner("GROCER", earn_rate="2", issue_price="0.020", validity_days=365)
    ana, ben = await program.member(fuel, grocer), await program.member(grocer)
    await program.ledger.earn(ana, fuel, "300.00", now=t0)  # 300, expires t0 + 30 d
    await program.ledger.earn(ana, grocer, "100.00", now=t0)  # 200, expires t0 + 365 d
    await program.ledger.earn(ana, fuel, "50.00", now=t0 + timedelta(days=1))  # 50, t0 + 31 d

    first = await program.transfer(ana, ben, 320, now=t0 + timedelta(days=2))
    second = await program.transfer(ana, ben, 100, now=t0 + timedelta(days=2, hours=1))

    in_30, in_31, in_365 = (t0 + timedelta(days=d) for d in (30, 31, 365))
    assert await program.lots(ana) == [
        (fuel, 300, 0, in_30),
        (fuel, 50, 0, in_31),
        (grocer, 200, 130, in_365),
    ]
    assert await program.lots(ben) == [
        (fuel, 300, 300, in_30),
        (fuel, 20, 20, in_31),
        (fuel, 30, 30, in_31),
        (grocer, 70, 70, in_365),
    ]
    prices = await program.rows(
        "SELECT issuer_partner_id, issue_price FROM lots WHERE member_id = %s", ben
    )
    assert {(r["issuer_partner_id"], r["issue_price"]) for r in prices} == {
        (fuel, Decimal("0.010000")),
        (grocer, Decimal("0.020000")),
    }
    assert (await program.balance(ana))["balance"] == 130
    assert (await program.balance(ben))["balance"] == 420

    entries = await program.rows(
        "SELECT id, kind, member_id, points, original_entry_id, partner_id FROM journal_entries"
        " WHERE kind LIKE 'TRANSFER%%' ORDER BY id"
    )
    assert [(e["kind"], e["member_id"], e["points"], e["partner_id"]) for e in entries] == [
        ("TRANSFER_OUT", ana, 320, None),
        ("TRANSFER_IN", ben, 320, None),
        ("TRANSFER_OUT", ana, 100, None),
        ("TRANSFER_IN", ben, 100, None),
    ]
    assert [e["original_entry_id"] for e in entries[1::2]] == [
        first.transaction_id,
        second.transaction_id,
    ]
    consumed = await program.rows(
        "SELECT c.points, l.issuer_partner_id FROM lot_consumptions c JOIN lots l ON l.id ="
        " c.lot_id WHERE c.entry_id = %s AND c.kind = 'TRANSFER' ORDER BY c.id",
        second.transaction_id,
    )
    assert [(r["issuer_partner_id"], r["points"]) for r in consumed] == [(fuel, 30), (grocer, 70)]
    clearing = await program.rows(
        "SELECT sum(p.points) AS total, count(*) AS n FROM postings p JOIN accounts a"
        " ON a.id = p.account_id WHERE a.kind = 'OPERATOR_TRANSFER'"
    )
    assert clearing == [{"total": 0, "n": 4}]
    events = await program.rows(
        "SELECT event_type, member_id, partner_id, payload->'data'->>'points' AS points"
        " FROM outbox_events WHERE event_type LIKE 'points.transferred%%' ORDER BY id"
    )
    assert [(e["event_type"], e["member_id"], e["partner_id"], e["points"]) for e in events] == [
        ("points.transferred_out", ana, None, "320"),
        ("points.transferred_in", ben, None, "320"),
        ("points.transferred_out", ana, None, "100"),
        ("points.transferred_in", ben, None, "100"),
    ]
    # the received points are spent like any others, and every check of the audit holds
    await program.ledger.burn(ben, grocer, 330, now=t0 + timedelta(days=2, hours=2))
    assert await program.lots(ben) == [
        (fuel, 300, 0, in_30),
        (fuel, 20, 0, in_31),
        (fuel, 30, 20, in_31),
        (grocer, 70, 70, in_365),
    ]
    assert await program.audit() == []


async def test_never_more_than_available_held_and_debt_count(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    earned = await program.ledger.earn(ana, shop, "100.00", now=now)
    await program.ledger.authorize(ana, shop, 30, now=now, ttl=timedelta(days=5))
    with pytest.raises(InsufficientPoints, match="71 points requested, 70 available"):
        await program.transfer(ana, ben, 71, now=now)
    # a reversal of spent points leaves a debt that counts against what may leave
    await program.ledger.burn(ana, shop, 70, now=now)
    assert earned.transaction_id is not None
    await program.ledger.reverse(earned.transaction_id, "50.00", now=now, partner_id=shop)
    assert await program.balance(ana) == {"balance": -20, "held": 30, "debt": 50}
    await program.ledger.earn(ana, shop, "60.00", now=now)  # pays the debt: 10 left + 30 held
    with pytest.raises(InsufficientPoints, match="11 points requested, 10 available"):
        await program.transfer(ana, ben, 11, now=now)
    await program.transfer(ana, ben, 10, now=now)
    assert await program.balance(ana) == {"balance": 30, "held": 30, "debt": 0}
    assert await program.audit() == []


async def test_received_points_pay_the_receivers_debt_first(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "100.00", now=now)
    earned = await program.ledger.earn(ben, shop, "40.00", now=now)
    await program.ledger.burn(ben, shop, 40, now=now)
    assert earned.transaction_id is not None
    await program.ledger.reverse(earned.transaction_id, None, now=now, partner_id=shop)
    assert await program.balance(ben) == {"balance": -40, "held": 0, "debt": 40}
    await program.transfer(ana, ben, 60, now=now)
    assert await program.balance(ben) == {"balance": 20, "held": 0, "debt": 0}
    assert [lot[1:3] for lot in await program.lots(ben)] == [(40, 0), (60, 20)]
    assert await program.audit() == []


async def test_expired_lots_do_not_move(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP", validity_days=1)
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "100.00", now=now - timedelta(days=2))
    await program.ledger.earn(ana, shop, "5.00", now=now)
    with pytest.raises(InsufficientPoints, match="6 points requested, 5 available"):
        await program.transfer(ana, ben, 6, now=now)


async def test_the_daily_limit_counts_from_the_start_of_the_utc_day(program: Program) -> None:
    day = transfers.day_start(base_time()) - timedelta(days=1)
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "2000.00", now=day)
    await program.transfer(ana, ben, 300, now=day + timedelta(hours=9), daily_limit=500)
    with pytest.raises(TransferLimitExceeded, match=r"500 points .* a day; 200 left today"):
        await program.transfer(ana, ben, 250, now=day + timedelta(hours=10), daily_limit=500)
    await program.transfer(ana, ben, 200, now=day + timedelta(hours=11), daily_limit=500)
    with pytest.raises(TransferLimitExceeded, match="0 left today"):
        await program.transfer(ana, ben, 1, now=day + timedelta(hours=23), daily_limit=500)
    await program.transfer(ana, ben, 500, now=day + timedelta(days=1), daily_limit=500)
    # what the receiver got does not count against what it may send
    await program.transfer(ben, ana, 500, now=day + timedelta(days=1), daily_limit=500)
    assert await program.audit() == []


async def test_refusals_closed_unknown_self_and_bad_points(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben, chloe = [await program.member(shop) for _ in range(3)]
    await program.ledger.earn(ana, shop, "100.00", now=now)
    await program.ledger.earn(chloe, shop, "100.00", now=now)
    async with transaction(program.pool) as conn:
        await members.close(conn, ben, now)
    with pytest.raises(MemberClosed) as closed:
        await program.transfer(ana, ben, 10, now=now)
    assert closed.value.field == ["toMemberId"]
    assert "receiving member" in closed.value.message
    with pytest.raises(MemberClosed):
        await program.transfer(ben, ana, 10, now=now)
    with pytest.raises(MemberNotFound) as unknown:
        await program.transfer(ana, 987654, 10, now=now)
    assert unknown.value.field == ["toMemberId"]
    with pytest.raises(InvalidInput, match="oneself"):
        await program.transfer(ana, ana, 10, now=now)
    for points in (0, -5, 2**31):
        with pytest.raises(Exception, match="points must be between 1 and"):
            await program.transfer(ana, chloe, points, now=now)
    assert (await program.balance(ana))["balance"] == 100
    assert await program.audit() == []


async def test_idempotent_and_conflicting_keys(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "100.00", now=now)
    key = new_key("same")
    first = await program.transfer(ana, ben, 40, now=now, key=key)
    again = await program.transfer(ana, ben, 40, now=now, key=key)
    assert again == first
    with pytest.raises(IdempotencyConflict):
        await program.transfer(ana, ben, 41, now=now, key=key)
    assert (await program.balance(ben))["balance"] == 40
