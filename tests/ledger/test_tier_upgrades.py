"""Tiers in the ledger's database: qualifying points over the rolling window, the upgrade in
the earn's own transaction with its one member.tier_changed event (also under concurrent
earns), and reversals taking qualifying points back. Each test has a database of its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from ledger_support import audit_failures
from tier_support import DAY, Program, level

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from partners.tiers import repository

T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


@pytest.fixture
def program(fresh_pool: Pool) -> Program:
    return Program(fresh_pool)


async def qualifying(
    program: Program, member: int, as_of: datetime, posted_by: datetime | None = None
) -> int:
    async with transaction(program.pool) as conn:
        found = await repository.qualifying_points(
            conn, [member], as_of=as_of, window_days=365, posted_by=posted_by
        )
    return found[member]


async def test_an_earn_crossing_a_threshold_raises_the_tier_at_once(program: Program) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    await program.ledger.earn(member, shop, points=999, now=T0)
    assert await program.tier_events(member) == []
    assert (await program.tier_of(member)) is None  # nothing written below a threshold

    crossing = await program.ledger.earn(member, shop, points=1, now=T0 + DAY)

    assert await program.tier_of(member) == {
        "tier": "Silver",
        "review_at": T0 + 31 * DAY,
        "shown": "Silver",
        "shown_until": None,
    }
    [event] = await program.tier_events(member)
    assert event == {
        "memberId": to_global_id("Member", member),
        "from": "Blue",
        "to": "Silver",
        "reason": "QUALIFIED",
        "effectiveAt": "2026-03-02T12:00:00.000000+00:00",
        "memberSequence": 3,
        "partner": shop,  # the partner that enrolled the member
        "seq": 3,
    }
    earned = await program.fetch(
        "SELECT member_seq FROM outbox_events WHERE entry_id = %s", crossing.transaction_id
    )
    assert earned == [{"member_seq": 2}]  # the earn's event first, then the tier's

    await program.ledger.earn(member, shop, points=3999, now=T0 + 2 * DAY)
    assert [e["to"] for e in await program.tier_events(member)] == ["Silver"]
    await program.ledger.earn(member, shop, points=1, now=T0 + 3 * DAY)
    assert [(e["from"], e["to"]) for e in await program.tier_events(member)] == [
        ("Blue", "Silver"),
        ("Silver", "Gold"),
    ]
    async with transaction(program.pool) as conn:
        assert await audit_failures(conn) == []


async def test_one_earn_may_jump_tiers_and_a_ladder_without_a_base_tier_starts_from_none(
    program: Program,
) -> None:
    await program.ladder(level("Silver", 1000), level("Gold", 5000))
    shop = await program.partner()
    member = await program.member(shop)
    await program.ledger.earn(member, shop, points=6000, now=T0)
    [event] = await program.tier_events(member)
    assert (event["from"], event["to"]) == (None, "Gold")


async def test_concurrent_earns_crossing_a_threshold_give_one_event(program: Program) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    await program.ledger.earn(member, shop, points=990, now=T0)

    await asyncio.gather(
        *(program.ledger.earn(member, shop, points=10, now=T0 + DAY) for _ in range(12))
    )

    events = await program.tier_events(member)
    assert [(e["from"], e["to"]) for e in events] == [("Blue", "Silver")]
    sequences = await program.fetch(
        "SELECT member_seq FROM outbox_events WHERE member_id = %s ORDER BY member_seq", member
    )
    assert [row["member_seq"] for row in sequences] == list(range(1, 15))  # no gap, no repeat
    assert (await program.tier_of(member) or {})["tier"] == "Silver"


async def test_qualifying_points_roll_with_the_window_by_purchase_time(program: Program) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    old = T0 - 365 * DAY
    await program.ledger.earn(member, shop, points=600, now=T0, occurred_at=old)
    await program.ledger.earn(
        member, shop, points=300, now=T0, occurred_at=old + timedelta(microseconds=1)
    )
    await program.ledger.earn(member, shop, points=100, now=T0)

    assert await qualifying(program, member, T0) == 400  # the purchase 365 days back is out
    assert await qualifying(program, member, T0 - DAY) == 1000
    assert await qualifying(program, member, T0 + 365 * DAY) == 0
    # a review as of an earlier instant counts only what was posted by then
    assert await qualifying(program, member, T0 - DAY, posted_by=T0 - DAY) == 0
    assert await program.tier_events(member) == []  # 400 qualifying points at the last earn


async def test_an_imported_old_purchase_does_not_qualify(program: Program) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    await program.ledger.earn(member, shop, points=5000, now=T0, occurred_at=T0 - 400 * DAY)
    assert await program.tier_events(member) == []


async def test_reversals_take_qualifying_points_back_from_their_purchase(
    program: Program,
) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    big = await program.ledger.earn(member, shop, "900.00", now=T0)
    await program.ledger.reverse(big.transaction_id, "400.00", now=T0 + DAY, partner_id=shop)
    assert await qualifying(program, member, T0 + DAY) == 500
    await program.ledger.earn(member, shop, "499.00", now=T0 + 2 * DAY)
    assert await program.tier_events(member) == []
    await program.ledger.earn(member, shop, "1.00", now=T0 + 3 * DAY)
    assert [e["to"] for e in await program.tier_events(member)] == ["Silver"]
    # once the reversed purchase leaves the window, its reversal leaves with it
    assert await qualifying(program, member, T0 + 365 * DAY) == 500
