"""The scheduled tier review in the ledger's database: downgrades only at a review and only
once the grace is over (day by day at the boundary), a member back above its threshold in
the grace keeps its tier, and a paid membership grants Gold until it ends. Each test has a
database of its own."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from ledger_support import audit_failures
from tier_support import DAY, Program

from exchange.kit.db import Pool, transaction
from exchange.kit.errors import InvalidInput
from partners.tiers import earning, reviewing, selling, setting
from partners.tiers.plans import Plan
from partners.tiers.reviewing import ReviewRun

T0 = datetime(2025, 1, 10, 9, tzinfo=UTC)
REVIEW = T0 + 30 * DAY  # Gold earned at T0 comes up for review 30 days later
GOLD12 = Plan("GOLD12", "Gold for 12 months", 365, Decimal("49.00"), "EUR", tier="Gold")


@pytest.fixture
def program(fresh_pool: Pool) -> Program:
    return Program(fresh_pool)


async def review(program: Program, as_of: datetime) -> ReviewRun:
    return await reviewing.run_review(program.pool, as_of=as_of)


async def gold_member(program: Program) -> tuple[int, int, int]:
    """A member of a new shop that reached Gold at T0 and lost 1,000 of its points to a
    return 10 days later: (shop, member, earn)."""
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    earn = await program.ledger.earn(member, shop, "5000.00", now=T0)
    await program.ledger.reverse(earn.transaction_id, "1000.00", now=T0 + 10 * DAY, partner_id=shop)
    return shop, member, earn.transaction_id


async def test_a_member_below_its_threshold_goes_down_only_after_the_grace(
    program: Program,
) -> None:
    _, member, _ = await gold_member(program)
    assert (await program.tier_of(member) or {})["review_at"] == REVIEW

    assert await review(program, REVIEW - timedelta(microseconds=1)) == ReviewRun(
        as_of=REVIEW - timedelta(microseconds=1)
    )  # not due yet: nobody reviewed
    for day in (0, 1, 13):
        run = await review(program, REVIEW + day * DAY)
        assert (run.reviewed, run.in_grace, run.events) == (1, 1, 0)
    assert (await program.tier_of(member) or {})["tier"] == "Gold"

    run = await review(program, REVIEW + 14 * DAY)

    assert (run.reviewed, run.lowered, run.events) == (1, 1, 1)
    assert await program.tier_of(member) == {
        "tier": "Silver",
        "review_at": REVIEW + 44 * DAY,
        "shown": "Silver",
        "shown_until": None,
    }
    [_, lowered] = await program.tier_events(member)
    assert (lowered["from"], lowered["to"], lowered["reason"]) == ("Gold", "Silver", "REVIEW")
    assert lowered["effectiveAt"] == "2025-02-23T09:00:00.000000+00:00"
    again = await review(program, REVIEW + 14 * DAY)
    assert (again.reviewed, again.events) == (0, 0)  # running again changes nothing more
    async with transaction(program.pool) as conn:
        assert await audit_failures(conn) == []


async def test_a_member_back_above_its_threshold_in_the_grace_keeps_its_tier(
    program: Program,
) -> None:
    shop, member, _ = await gold_member(program)
    await review(program, REVIEW + DAY)
    await program.ledger.earn(member, shop, "1000.00", now=REVIEW + 5 * DAY)

    run = await review(program, REVIEW + 20 * DAY)

    assert (run.kept, run.lowered, run.events) == (1, 0, 0)
    assert (await program.tier_of(member) or {})["review_at"] == REVIEW + 30 * DAY
    assert [e["to"] for e in await program.tier_events(member)] == ["Gold"]


async def test_a_review_as_of_a_future_instant_is_refused(program: Program) -> None:
    with pytest.raises(InvalidInput) as error:
        await review(program, datetime.now(UTC) + DAY)
    assert error.value.field == ["asOf"]


async def test_a_paid_membership_grants_gold_until_it_ends(program: Program) -> None:
    await program.ladder()
    shop = await program.partner()
    member = await program.member(shop)
    await program.ledger.earn(member, shop, "1200.00", now=T0)  # Silver, earned
    async with transaction(program.pool) as conn:
        await setting.set_plans(
            conn, [GOLD12], effective_from=None, caller="a", key="p", actor="admin", now=T0
        )
        sold = await selling.sell(
            conn,
            member_id=member,
            partner_id=shop,
            plan_code="GOLD12",
            caller=f"partner:{shop}",
            key="sell-1",
            actor="partner key",
            now=T0 + DAY,
        )
    assert (sold.membership.starts_at, sold.membership.ends_at) == (T0 + DAY, T0 + 366 * DAY)
    assert (sold.price, sold.partner_id) == (Decimal("49.0000"), shop)
    async with transaction(program.pool) as conn:
        paid = await earning.earn_tier(conn, member, T0 + 2 * DAY)
        after = await earning.earn_tier(conn, member, T0 + 366 * DAY)
    assert paid.record() == {
        "name": "Gold",
        "version": 1,
        "source": "PAID",
        "multiplier": "1.5",
        "membershipId": sold.membership.id,
    }
    assert after.standing is not None
    assert (after.standing.level.name, after.standing.source) == ("Silver", "EARNED")

    await program.ledger.earn(member, shop, "100.00", now=T0 + 3 * DAY)  # still Gold
    before_end = await review(program, T0 + 366 * DAY - timedelta(seconds=1))
    ended = await review(program, T0 + 366 * DAY)

    assert before_end.events == 0
    assert ended.events == 1
    assert [(e["from"], e["to"], e["reason"]) for e in await program.tier_events(member)] == [
        ("Blue", "Silver", "QUALIFIED"),
        ("Silver", "Gold", "MEMBERSHIP_SOLD"),
        ("Gold", "Silver", "MEMBERSHIP_ENDED"),
    ]
    # its Silver points left the window a day ago: Silver holds through the grace after the
    # last review date of its cadence (day 360), to day 374
    assert before_end.in_grace == 1


async def test_the_worker_reviews_at_start_and_then_every_period(program: Program) -> None:
    _, member, _ = await gold_member(program)  # due since 2025: its points left the window
    stop = asyncio.Event()
    daily = asyncio.create_task(reviewing.review_daily(program.pool, stop, every=DAY))
    for _ in range(100):
        if len(await program.tier_events(member)) == 2:
            break
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(daily, 5)
    assert [e["to"] for e in await program.tier_events(member)] == ["Gold", "Blue"]
