"""Real PostgreSQL concurrency: every operation in its own pooled connection and transaction,
all started at once with ``asyncio.gather``. The member's row lock must serialize them."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from ledger_support import base_time, new_key

from exchange.kit.errors import ExchangeError
from exchange.ledger import burning, members
from exchange.ledger.errors import (
    AmountExceedsOriginal,
    HoldAlreadyFinal,
    HoldExpired,
    InsufficientPoints,
    MemberClosed,
)

pytestmark = pytest.mark.usefixtures("audited")


async def settle(*calls):  # type: ignore[no-untyped-def]
    """Run every call at once; business refusals are results, anything else fails the test."""
    results = await asyncio.gather(*calls, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, ExchangeError):
            raise result
    return results


async def after(delay: float, call):  # type: ignore[no-untyped-def]
    await asyncio.sleep(delay)
    return await call


async def test_concurrent_burns_never_overdraw(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)

    results = await settle(*[ledger.burn(member, shop.id, 10, now=t0) for _ in range(32)])

    ok = [r for r in results if not isinstance(r, BaseException)]
    refused = [r for r in results if isinstance(r, InsufficientPoints)]
    assert (len(ok), len(refused)) == (10, 22)
    assert len({r.transaction_id for r in ok}) == 10
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 0, "seq": 11}
    assert sum(lot["remaining"] for lot in await ledger.lots(member)) == 0
    burns = await ledger.fetch(
        "SELECT count(*) AS n, sum(points) AS total FROM journal_entries"
        " WHERE member_id = %s AND kind = 'BURN'",
        member,
    )
    assert (burns[0]["n"], burns[0]["total"]) == (10, 100)


async def test_concurrent_holds_and_burns_never_overdraw(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)

    calls = []
    for i in range(30):
        if i % 2:
            calls.append(ledger.authorize(member, shop.id, 7, now=t0))
        else:
            calls.append(ledger.burn(member, shop.id, 7, now=t0))
    results = await settle(*calls)
    ok = [r for r in results if not isinstance(r, BaseException)]
    assert len(ok) == 14  # 14 x 7 = 98 of 100
    assert all(isinstance(r, InsufficientPoints) for r in results if r not in ok)
    balance = await ledger.balance(member)
    holds = sum(1 for r in ok if r.hold_id is not None)
    assert balance["held"] == 7 * holds
    assert balance["balance"] == 100 - 7 * (14 - holds)
    assert balance["balance"] - balance["held"] == 2


async def test_same_earn_sent_twenty_times_at_once_posts_once(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner(earn_rate="1.25")
    member = await make_member(shop)
    key = new_key("storm")

    results = await settle(
        *[ledger.earn(member, shop.id, "80.00", now=t0, key=key) for _ in range(20)]
    )

    assert not [r for r in results if isinstance(r, BaseException)]
    assert len(set(results)) == 1
    [outcome] = set(results)
    assert outcome.points == 100
    entries = await ledger.fetch("SELECT id FROM journal_entries WHERE member_id = %s", member)
    assert [e["id"] for e in entries] == [outcome.transaction_id]
    assert len(await ledger.events(member)) == 1
    assert await ledger.balance(member) == {"balance": 100, "held": 0, "debt": 0, "seq": 1}


async def test_capture_racing_hold_expiry_has_exactly_one_winner(
    make_partner, make_member, ledger, pool
):
    shop = await make_partner()
    rng = random.Random(7)
    wins: Counter[str] = Counter()
    # business time far from every other test's holds, so the sweep sees only this round's
    start = datetime(2021, 3, 1, tzinfo=UTC)
    for round_ in range(30):
        t0 = start + timedelta(hours=round_)
        member = await make_member(shop)
        await ledger.earn(member, shop.id, "100.00", now=t0)
        hold = await ledger.authorize(member, shop.id, 40, now=t0, ttl=timedelta(seconds=10))
        expires_at = t0 + timedelta(seconds=10)

        capture = ledger.capture(
            hold.hold_id, shop.id, 30, now=expires_at - timedelta(milliseconds=1)
        )
        sweep = burning.sweep_expired_holds(pool, now=expires_at + timedelta(seconds=1))
        # who gets there first varies: the order of start and a small random delay
        calls = [after(rng.random() / 200, capture), after(rng.random() / 200, sweep)]
        if not round_ % 2:
            calls.reverse()
        results = await settle(*calls)
        captured, swept = (results[0], results[1]) if round_ % 2 else (results[1], results[0])

        row = await ledger.hold(hold.hold_id)
        balance = await ledger.balance(member)
        if isinstance(captured, BaseException):
            assert isinstance(captured, HoldExpired)
            assert swept >= 1
            assert row["status"] == "EXPIRED"
            assert balance == {"balance": 100, "held": 0, "debt": 0, "seq": 3}
            wins["expiry"] += 1
        else:
            assert captured.points == 30
            assert isinstance(swept, int)
            assert (row["status"], row["captured_points"]) == ("CAPTURED", 30)
            assert balance == {"balance": 70, "held": 0, "debt": 0, "seq": 3}
            wins["capture"] += 1
        lots_total = sum(lot["remaining"] for lot in await ledger.lots(member))
        assert lots_total == balance["balance"]
        events = [e["event_type"] for e in await ledger.events(member)]
        assert events[:2] == ["points.earned", "burn.authorized"]
        assert events[2:] in (["burn.captured"], ["burn.expired"])
    assert sum(wins.values()) == 30


async def test_the_same_hold_captured_and_voided_at_once(make_partner, make_member, ledger):
    t0 = base_time()
    shop = await make_partner()
    for _ in range(5):
        member = await make_member(shop)
        await ledger.earn(member, shop.id, "50.00", now=t0)
        hold = await ledger.authorize(member, shop.id, 50, now=t0)
        calls = [ledger.capture(hold.hold_id, shop.id, 50, now=t0) for _ in range(4)]
        calls += [ledger.void(hold.hold_id, shop.id, now=t0) for _ in range(4)]
        results = await settle(*calls)
        ok = [r for r in results if not isinstance(r, BaseException)]
        assert len(ok) == 1
        assert all(isinstance(r, HoldAlreadyFinal) for r in results if r not in ok)
        balance = await ledger.balance(member)
        assert balance["held"] == 0
        assert balance["balance"] == (0 if ok[0].transaction_id else 50)


async def test_concurrent_refunds_and_reversals_never_exceed_the_original(
    make_partner, make_member, ledger
):
    t0 = base_time()
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "100.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 40, now=t0)

    refunds = [
        ledger.refund(burnt.transaction_id, 7, partner_id=shop.id, now=t0) for _ in range(10)
    ]
    reversals = [
        ledger.reverse(earned.transaction_id, "30.00", partner_id=shop.id, now=t0) for _ in range(6)
    ]
    results = await settle(*refunds, *reversals)

    refunded = [r for r in results[:10] if not isinstance(r, BaseException)]
    reversed_ = [r for r in results[10:] if not isinstance(r, BaseException)]
    assert len(refunded) == 5  # 5 x 7 = 35 of 40
    assert len(reversed_) == 3  # 3 x 30.00 = 90.00 of 100.00
    refused = [r for r in results if isinstance(r, BaseException)]
    assert len(refused) == 8
    assert all(isinstance(r, AmountExceedsOriginal) for r in refused)
    assert sum(r.points for r in reversed_) == 90
    # 100 earned - 40 burned + 35 refunded - 90 reversed = 5, whatever the order (a reversal
    # that ran before the refunds left a debt that the refunded lots now cover)
    balance = await ledger.balance(member)
    assert balance["balance"] == 5
    lots_total = sum(lot["remaining"] for lot in await ledger.lots(member))
    assert lots_total - balance["debt"] == 5


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_mixed_concurrent_operations_keep_the_ledger_consistent(
    seed, make_partner, make_member, ledger
):
    rng = random.Random(seed)
    t0 = base_time()
    issuer = await make_partner(validity_days=30)
    forever = await make_partner(validity_days=None)
    members = []
    for _ in range(3):
        member = await make_member(issuer)
        await ledger.link(member, forever.id)
        await ledger.earn(member, issuer.id, "60.00", now=t0)
        await ledger.earn(member, forever.id, "40.00", now=t0)
        members.append(member)

    earns: list[tuple[int, int]] = []  # (transaction id, partner id)
    burns: list[tuple[int, int]] = []
    holds: list[tuple[int, int]] = []
    for wave in range(6):
        now = t0 + timedelta(minutes=wave)
        calls = []
        for _ in range(16):
            member = rng.choice(members)
            partner = rng.choice([issuer.id, forever.id])
            kind = rng.choice(
                ["earn", "burn", "burn", "authorize", "capture", "void", "refund", "reverse"]
            )
            if kind == "earn":
                calls.append(
                    ledger.earn(member, partner, f"{rng.randint(1, 4000) / 100:.2f}", now=now)
                )
            elif kind == "burn":
                calls.append(ledger.burn(member, partner, rng.randint(1, 30), now=now))
            elif kind == "authorize":
                calls.append(
                    ledger.authorize(
                        member,
                        partner,
                        rng.randint(1, 30),
                        now=now,
                        ttl=timedelta(seconds=rng.choice([30, 90, 600])),
                    )
                )
            elif kind == "capture" and holds:
                hold_id, owner = rng.choice(holds)
                points = rng.choice([None, 1, 5, 10])
                calls.append(ledger.capture(hold_id, owner, points, now=now))
            elif kind == "void" and holds:
                hold_id, owner = rng.choice(holds)
                calls.append(ledger.void(hold_id, owner, now=now))
            elif kind == "refund" and burns:
                entry, owner = rng.choice(burns)
                calls.append(ledger.refund(entry, rng.randint(1, 10), partner_id=owner, now=now))
            elif kind == "reverse" and earns:
                entry, owner = rng.choice(earns)
                amount = rng.choice([None, "1.00", "5.55", "12.00"])
                calls.append(ledger.reverse(entry, amount, partner_id=owner, now=now))
        results = await settle(*calls)
        for result in results:
            if isinstance(result, BaseException):
                continue
            assert result.member_id in members
        # remember what the wave produced (by reading back, each with its partner)
        for row in await ledger.fetch(
            "SELECT id, kind, partner_id FROM journal_entries WHERE member_id = ANY(%s)",
            members,
        ):
            target = {"EARN": earns, "BURN": burns}.get(row["kind"])
            if target is not None and (row["id"], row["partner_id"]) not in target:
                target.append((row["id"], row["partner_id"]))
        holds[:] = [
            (h["id"], h["partner_id"])
            for h in await ledger.fetch(
                "SELECT id, partner_id FROM holds WHERE member_id = ANY(%s)", members
            )
        ]
        assert await ledger.audit_failures() == []

    for member in members:
        balance = await ledger.balance(member)
        [sums] = await ledger.fetch(
            "SELECT coalesce(sum(CASE WHEN kind IN ('EARN', 'BURN_REFUND') THEN points"
            " ELSE -points END), 0) AS net FROM journal_entries WHERE member_id = %s",
            member,
        )
        assert balance["balance"] == sums["net"]
        captures = await ledger.fetch(
            "SELECT hold_id, count(*) AS n FROM journal_entries WHERE member_id = %s"
            " AND hold_id IS NOT NULL GROUP BY hold_id HAVING count(*) > 1",
            member,
        )
        assert captures == []
        seqs = [e["member_seq"] for e in await ledger.events(member)]
        assert sorted(seqs) == list(range(1, balance["seq"] + 1))


@pytest.mark.parametrize("operation", ["earn", "burn", "authorize"])
async def test_a_movement_waiting_on_a_closing_member_is_refused(
    make_partner, make_member, ledger, pool, operation
):
    """closeMember holds the member's lock; a movement that waited for it must see the close."""
    t0 = base_time()
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "50.00", now=t0)
    calls = {
        "earn": lambda: ledger.earn(member, shop.id, "10.00", now=t0),
        "burn": lambda: ledger.burn(member, shop.id, 10, now=t0),
        "authorize": lambda: ledger.authorize(member, shop.id, 10, now=t0),
    }
    async with pool.connection() as conn, conn.transaction():
        await members.close(conn, member, t0, reason="fraud")
        waiting = asyncio.create_task(calls[operation]())
        await asyncio.sleep(0.3)
        assert not waiting.done(), "the movement must wait for the member's lock"
    with pytest.raises(MemberClosed):
        await waiting
    assert await ledger.balance(member) == {"balance": 50, "held": 0, "debt": 0, "seq": 1}
