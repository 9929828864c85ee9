"""Points expiry, member by member: worked examples of what expires, from which lots, and
what it never takes (held points, a closed member's points, anything twice)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from expiry_support import VALIDITY, expire, grant_bonus, inactivity
from ledger_support import base_time

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import expiry, members
from exchange.ledger.audit import run_audit

pytestmark = pytest.mark.usefixtures("audited")

DAY = timedelta(days=1)


async def expiry_entries(ledger, member):  # type: ignore[no-untyped-def]
    return await ledger.fetch(
        "SELECT id, kind, partner_id, points, reason, occurred_at, posted_at, details"
        " FROM journal_entries WHERE member_id = %s AND kind = 'EXPIRY' ORDER BY id",
        member,
    )


async def expiry_consumptions(ledger, member):  # type: ignore[no-untyped-def]
    return await ledger.fetch(
        "SELECT lot_id, entry_id, issuer_partner_id, redeemer_partner_id, points"
        " FROM lot_consumptions WHERE member_id = %s AND kind = 'EXPIRY' ORDER BY id",
        member,
    )


async def postings_of(ledger, entry_id):  # type: ignore[no-untyped-def]
    rows = await ledger.fetch(
        "SELECT a.kind, p.points FROM postings p JOIN accounts a ON a.id = p.account_id"
        " WHERE p.entry_id = %s ORDER BY p.points",
        entry_id,
    )
    return [(r["kind"], r["points"]) for r in rows]


async def expired_events(ledger, member):  # type: ignore[no-untyped-def]
    return [e for e in await ledger.events(member) if e["event_type"] == "points.expired"]


async def test_held_points_never_expire_and_the_capture_finishes_with_the_expired_lot(
    make_partner, make_member, ledger
):
    """Lots of 100 (expired) and 50 (not), a hold of 120: only 150 - 120 = 30 expire."""
    t0 = base_time()
    fuel = await make_partner(validity_days=30)
    grocer = await make_partner(validity_days=365)
    member = await make_member(fuel)
    await ledger.link(member, grocer.id)
    old = await ledger.earn(member, fuel.id, "100.00", now=t0 - 40 * DAY)  # expires t0 - 10d
    new = await ledger.earn(member, grocer.id, "50.00", now=t0 - 20 * DAY)  # expires t0 + 345d
    hold = await ledger.authorize(member, grocer.id, 120, now=t0 - 15 * DAY, ttl=30 * DAY)

    run = await expire(ledger.pool, member, as_of=t0)

    assert (run.members, run.points, run.entries, run.events) == (1, 30, 1, 1)
    assert (await ledger.lot_of(old.transaction_id))["remaining"] == 70
    assert (await ledger.lot_of(new.transaction_id))["remaining"] == 50
    assert await ledger.balance(member) == {"balance": 120, "held": 120, "debt": 0, "seq": 4}
    [entry] = await expiry_entries(ledger, member)
    assert (entry["partner_id"], entry["points"], entry["reason"]) == (None, 30, "Points expired")
    assert (entry["occurred_at"], entry["posted_at"]) == (t0, t0)
    assert entry["details"] == {"rule": "LOT_VALIDITY"}
    assert await postings_of(ledger, entry["id"]) == [("MEMBER", -30), ("OPERATOR_BREAKAGE", 30)]
    assert await expiry_consumptions(ledger, member) == [
        {
            "lot_id": (await ledger.lot_of(old.transaction_id))["id"],
            "entry_id": entry["id"],
            "issuer_partner_id": fuel.id,
            "redeemer_partner_id": None,
            "points": 30,
        }
    ]

    again = await expire(ledger.pool, member, as_of=t0)  # the hold still stands: nothing more
    assert (again.members, again.points) == (0, 0)
    assert (await ledger.balance(member))["seq"] == 4

    captured = await ledger.capture(hold.hold_id, grocer.id, now=t0 + timedelta(minutes=1))
    assert captured.points == 120
    takes = await ledger.fetch(
        "SELECT l.entry_id, c.points FROM lot_consumptions c JOIN lots l ON l.id = c.lot_id"
        " WHERE c.entry_id = %s ORDER BY c.id",
        captured.transaction_id,
    )
    # the spendable lot first, then the rest of the expired one that the hold kept
    assert [(t["entry_id"], t["points"]) for t in takes] == [
        (new.transaction_id, 50),
        (old.transaction_id, 70),
    ]
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 0, "seq": 5}


async def test_what_a_voided_hold_kept_expires_at_the_next_run(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    member = await make_member(shop)
    old = await ledger.earn(member, shop.id, "100.00", now=t0 - 40 * DAY)
    await ledger.earn(member, shop.id, "50.00", now=t0 - 20 * DAY)  # expires t0 + 10d
    hold = await ledger.authorize(member, shop.id, 120, now=t0 - 15 * DAY, ttl=30 * DAY)
    assert (await expire(ledger.pool, member, as_of=t0)).points == 30

    await ledger.void(hold.hold_id, shop.id, now=t0)
    run = await expire(ledger.pool, member, as_of=t0 + timedelta(minutes=1))

    assert (run.members, run.points) == (1, 70)
    assert (await ledger.lot_of(old.transaction_id))["remaining"] == 0
    assert await ledger.balance(member) == {"balance": 50, "held": 0, "debt": 0, "seq": 6}
    assert [e["points"] for e in await expiry_entries(ledger, member)] == [30, 70]


async def test_lots_expire_earliest_first_with_one_event_per_issuer(
    make_partner, make_member, ledger
):
    """Fuel 40 (expired first) and 25, grocer 60, operator bonus 15: all due, 140 expire in one
    entry; events for fuel (65) and grocer (60), none for the operator's 15."""
    t0 = base_time()
    fuel = await make_partner(validity_days=10)
    grocer = await make_partner(validity_days=20)
    member = await make_member(fuel)
    await ledger.link(member, grocer.id)
    first = await ledger.earn(member, fuel.id, "40.00", now=t0 - 50 * DAY)  # expires t0 - 40d
    second = await ledger.earn(member, grocer.id, "60.00", now=t0 - 45 * DAY)  # t0 - 25d
    third = await ledger.earn(member, fuel.id, "25.00", now=t0 - 30 * DAY)  # t0 - 20d
    bonus = await grant_bonus(ledger.pool, member, 15, now=t0 - 30 * DAY, expires_at=t0 - DAY)
    keeps = await ledger.earn(member, grocer.id, "9.00", now=t0 - 5 * DAY)  # t0 + 15d

    run = await expire(ledger.pool, member, as_of=t0)

    assert (run.members, run.points, run.entries, run.events) == (1, 140, 1, 2)
    [entry] = await expiry_entries(ledger, member)
    lots = {lot["entry_id"]: lot["id"] for lot in await ledger.lots(member)}
    assert [
        (c["lot_id"], c["issuer_partner_id"], c["points"])
        for c in await expiry_consumptions(ledger, member)
    ] == [
        (lots[first.transaction_id], fuel.id, 40),
        (lots[second.transaction_id], grocer.id, 60),
        (lots[third.transaction_id], fuel.id, 25),
        (bonus, None, 15),
    ]
    assert (await ledger.lot_of(keeps.transaction_id))["remaining"] == 9
    assert await ledger.balance(member) == {"balance": 9, "held": 0, "debt": 0, "seq": 6}
    events = await expired_events(ledger, member)
    assert [(e["partner_id"], e["member_seq"], e["entry_id"]) for e in events] == [
        (fuel.id, 6, entry["id"]),
        (grocer.id, 6, entry["id"]),
    ]
    by_partner = {e["partner_id"]: e["payload"] for e in events}
    data = by_partner[fuel.id]["data"]
    assert datetime.fromisoformat(data.pop("asOf")) == t0
    assert data == {
        "transactionId": to_global_id("Transaction", entry["id"]),
        "memberId": to_global_id("Member", member),
        "points": 65,
        "balance": 9,
        "memberSequence": 6,
    }
    assert by_partner[grocer.id]["data"]["points"] == 60
    assert by_partner[grocer.id]["partnerId"] == to_global_id("Partner", grocer.id)


async def test_a_debt_stays_owed_when_points_expire(make_partner, make_member, ledger):
    """A reversal that could not take held points left a debt of 20; expiry takes the expired
    lot's 100 and leaves the debt for later earns to repay: balance 20 - 20 = 0."""
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    member = await make_member(shop)
    old = await ledger.earn(member, shop.id, "100.00", now=t0 - 40 * DAY)  # expires t0 - 10d
    new = await ledger.earn(member, shop.id, "50.00", now=t0 - 20 * DAY)  # expires t0 + 10d
    hold = await ledger.authorize(member, shop.id, 120, now=t0 - 19 * DAY, ttl=DAY)
    reversed_ = await ledger.reverse(
        new.transaction_id, None, partner_id=shop.id, now=t0 - 19 * DAY
    )
    assert (reversed_.points, reversed_.debt) == (50, 20)
    await ledger.void(hold.hold_id, shop.id, now=t0 - 19 * DAY)
    assert await ledger.balance(member) == {"balance": 100, "held": 0, "debt": 20, "seq": 5}

    run = await expire(ledger.pool, member, as_of=t0)

    assert (run.members, run.points) == (1, 100)
    assert (await ledger.lot_of(old.transaction_id))["remaining"] == 0
    assert (await ledger.lot_of(new.transaction_id))["remaining"] == 20
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 20, "seq": 6}
    repaid = await ledger.earn(member, shop.id, "30.00", now=t0)
    assert (await ledger.lot_of(repaid.transaction_id))["remaining"] == 10
    assert await ledger.balance(member) == {"balance": 30, "held": 0, "debt": 0, "seq": 7}


async def test_inactivity_expires_every_point_but_the_held_ones(make_partner, make_member, ledger):
    """Never-expiring lots: A earned 80 400 days ago and nothing since (30 of it held): 50
    expire; B burned 10 100 days ago: active, keeps its 70. Lot validity alone: nothing."""
    t0 = base_time()
    shop = await make_partner(validity_days=None)
    idle = await make_member(shop)
    active = await make_member(shop)
    idle_lot = await ledger.earn(idle, shop.id, "80.00", now=t0 - 400 * DAY)
    await ledger.earn(active, shop.id, "80.00", now=t0 - 400 * DAY)
    await ledger.burn(active, shop.id, 10, now=t0 - 100 * DAY)
    await ledger.authorize(idle, shop.id, 30, now=t0 - timedelta(hours=1), ttl=DAY)

    assert (await expire(ledger.pool, idle, active, as_of=t0, policy=VALIDITY)).points == 0
    run = await expire(ledger.pool, idle, active, as_of=t0, policy=inactivity(365))

    assert (run.members, run.points, run.events) == (1, 50, 1)
    assert (await ledger.lot_of(idle_lot.transaction_id))["remaining"] == 30
    assert await ledger.balance(idle) == {"balance": 30, "held": 30, "debt": 0, "seq": 3}
    assert await ledger.balance(active) == {"balance": 70, "held": 0, "debt": 0, "seq": 2}
    [entry] = await expiry_entries(ledger, idle)
    assert entry["reason"] == "Points expired after a period without activity"
    assert entry["details"] == {"rule": "INACTIVITY"}
    # B's burn 100 days ago: active under a 365-day rule, inactive under a 100-day one
    assert (await expire(ledger.pool, active, as_of=t0, policy=inactivity(365))).points == 0
    assert (await expire(ledger.pool, active, as_of=t0, policy=inactivity(100))).points == 70


async def test_a_closed_member_keeps_its_points(make_partner, make_member, ledger, pool):
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    member = await make_member(shop)
    lot = await ledger.earn(member, shop.id, "100.00", now=t0 - 40 * DAY)
    async with transaction(pool) as conn:
        await members.close(conn, member, t0, reason="fraud review")
        assert member not in await expiry.due_members(
            conn, as_of=t0, policy=VALIDITY, after=member - 1, limit=1
        )

    run = await expire(pool, member, as_of=t0)

    assert (run.members, run.points) == (0, 0)
    assert (await ledger.lot_of(lot.transaction_id))["remaining"] == 100
    assert await ledger.balance(member) == {"balance": 100, "held": 0, "debt": 0, "seq": 1}


async def test_a_hold_that_ran_out_is_released_first(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0 - 40 * DAY)
    hold = await ledger.authorize(member, shop.id, 60, now=t0 - 15 * DAY, ttl=DAY)

    run = await expire(ledger.pool, member, as_of=t0)

    assert (run.members, run.points) == (1, 100)
    assert (await ledger.hold(hold.hold_id))["status"] == "EXPIRED"
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 0, "seq": 4}
    kinds = [e["event_type"] for e in await ledger.events(member)]
    assert kinds == ["points.earned", "burn.authorized", "burn.expired", "points.expired"]


async def test_due_members_are_listed_in_id_order_and_nothing_is_due_twice(
    make_partner, make_member, ledger, pool
):
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    due = [await make_member(shop) for _ in range(3)]
    fresh = await make_member(shop)
    for member in due:
        await ledger.earn(member, shop.id, "10.00", now=t0 - 40 * DAY)
    await ledger.earn(fresh, shop.id, "10.00", now=t0 - DAY)

    async with transaction(pool) as conn:
        listed = await expiry.due_members(
            conn, as_of=t0, policy=VALIDITY, after=due[0] - 1, limit=None
        )
    assert [m for m in listed if m in (*due, fresh)] == due
    assert (await expire(pool, *due, fresh, as_of=t0)).points == 30
    async with transaction(pool) as conn:
        listed = await expiry.due_members(
            conn, as_of=t0, policy=VALIDITY, after=due[0] - 1, limit=None
        )
    assert not set(listed) & {*due, fresh}
    assert (await expire(pool, *due, fresh, as_of=t0)).points == 0


async def test_the_audit_notices_expired_points_without_their_lots(
    make_partner, make_member, ledger, pool
):
    t0 = base_time()
    shop = await make_partner(validity_days=30)
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0 - 40 * DAY)
    await expire(pool, member, as_of=t0)
    async with pool.connection() as conn, conn.transaction(force_rollback=True):
        await conn.execute(  # an expiry that took 40 points from no lot
            "INSERT INTO journal_entries (kind, member_id, points, reason, occurred_at)"
            " VALUES ('EXPIRY', %s, 40, 'Points expired', %s)",
            (member, t0),
        )
        await conn.execute(  # 5 points of breakage that no lot gave
            "WITH entry AS (INSERT INTO journal_entries (kind, member_id, points, reason,"
            "   occurred_at) VALUES ('ADJUSTMENT', %s, 5, 'test', %s) RETURNING id)"
            " INSERT INTO postings (entry_id, account_id, points)"
            " SELECT entry.id, side.account_id, side.points FROM entry CROSS JOIN LATERAL"
            " (VALUES ((SELECT id FROM accounts WHERE kind = 'OPERATOR_BREAKAGE'), 5),"
            "  ((SELECT account_id FROM member_balances WHERE member_id = %s), -5))"
            " AS side (account_id, points)",
            (member, t0, member),
        )
        results = {check.name: check for check in await run_audit(conn)}
    assert [v[1] for v in results["expiries_traced_to_lots"].violations] == [40]
    assert [v[1] for v in results["breakage_equals_expired_lots"].violations] == [5]
