"""Prepaid partners on the ledger: earns draw from the point blocks bought plus the credit
limit and are refused beyond it (PARTNER_CREDIT_LIMIT, nothing written), reversals give the
points back, concurrent earns never overdraw, and post-paid earns never touch an allowance."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from ledger_support import Ledger, base_time, new_key

from exchange.kit.db import Pool, transaction
from exchange.kit.errors import ExchangeError, IdempotencyConflict, InvalidInput
from exchange.ledger.audit import run_audit
from exchange.ledger.errors import PartnerCreditLimit
from partners import prepaid

pytestmark = pytest.mark.usefixtures("audited")


async def make_prepaid(pool: Pool, partner, *, bought: int, credit_limit: int) -> None:  # type: ignore[no-untyped-def]
    """PREPAID with a credit limit, and a block of ``bought`` points at 0.009 (if any)."""
    async with transaction(pool) as conn:
        await prepaid.set_billing(
            conn, code=partner.code, billing="PREPAID", credit_limit_points=credit_limit
        )
    if bought:
        await buy(pool, partner, bought)


async def buy(pool: Pool, partner, points: int, price: str = "0.009") -> prepaid.PointBlock:  # type: ignore[no-untyped-def]
    async with transaction(pool) as conn:
        return await prepaid.record_block(
            conn,
            prepaid.NewBlock(partner.code, points, Decimal(price), "EUR", f"INV-{new_key()}"),
            caller="test",
            key=None,
            actor="test",
            now=datetime.now(UTC),
        )


async def allowance(pool: Pool, partner_id: int) -> tuple[int, int]:
    """(points bought, points drawn)."""
    async with transaction(pool) as conn:
        found = (await prepaid.allowances_of(conn, [partner_id]))[partner_id]
    return found.points_bought, found.points_drawn


async def test_earns_draw_up_to_the_blocks_plus_the_credit_limit(
    pool, make_partner, make_member, ledger: Ledger
) -> None:
    t0 = base_time()
    kiosk = await make_partner(earn_rate="1")
    await make_prepaid(pool, kiosk, bought=1000, credit_limit=100)
    ana, ben = await make_member(kiosk), await make_member(kiosk)

    await ledger.earn(ana, kiosk.id, "600.00", now=t0)
    big = await ledger.earn(ben, kiosk.id, "400.00", now=t0)
    assert await allowance(pool, kiosk.id) == (1000, 1000)  # the block is used up
    await ledger.earn(ana, kiosk.id, "100.00", now=t0)  # 100 more on credit: 1,100 exactly
    assert await allowance(pool, kiosk.id) == (1000, 1100)

    before = await ledger.row_counts(ben)
    with pytest.raises(PartnerCreditLimit) as refused:
        await ledger.earn(ben, kiosk.id, "1.00", now=t0)
    assert refused.value.message == (
        "1 points go beyond the partner's point blocks and credit limit: 0 points are left"
    )
    assert await ledger.row_counts(ben) == before  # nothing written
    assert await allowance(pool, kiosk.id) == (1000, 1100)

    # a return of 150.00 of the 400.00 purchase gives 150 points back to the allowance
    await ledger.reverse(big.transaction_id, "150.00", now=t0, partner_id=kiosk.id)
    assert await allowance(pool, kiosk.id) == (1000, 950)
    await ledger.earn(ben, kiosk.id, "150.00", now=t0)
    assert await allowance(pool, kiosk.id) == (1000, 1100)
    entries = await ledger.fetch(
        "SELECT kind, points, prepaid FROM journal_entries WHERE partner_id = %s ORDER BY id",
        kiosk.id,
    )
    assert [(e["kind"], e["points"], e["prepaid"]) for e in entries] == [
        ("EARN", 600, True),
        ("EARN", 400, True),
        ("EARN", 100, True),
        ("EARN_REVERSAL", 150, True),
        ("EARN", 150, True),
    ]


async def test_a_zero_point_earn_is_never_refused(pool, make_partner, make_member, ledger) -> None:
    kiosk = await make_partner(earn_rate="1")
    await make_prepaid(pool, kiosk, bought=0, credit_limit=0)
    member = await make_member(kiosk)
    with pytest.raises(PartnerCreditLimit):
        await ledger.earn(member, kiosk.id, "1.00", now=base_time())
    done = await ledger.earn(member, kiosk.id, "0.50", now=base_time())  # floor(0.5) = 0 points
    assert done.points == 0 and await allowance(pool, kiosk.id) == (0, 0)


async def test_concurrent_earns_never_overdraw_the_allowance(
    pool, make_partner, make_member, ledger: Ledger
) -> None:
    t0 = base_time()
    kiosk = await make_partner(earn_rate="1")
    await make_prepaid(pool, kiosk, bought=1000, credit_limit=100)
    people = [await make_member(kiosk) for _ in range(12)]

    results = await asyncio.gather(
        *[ledger.earn(people[i % 12], kiosk.id, "25.00", now=t0) for i in range(48)],
        return_exceptions=True,
    )
    earned = [r for r in results if not isinstance(r, BaseException)]
    assert all(isinstance(r, PartnerCreditLimit) for r in results if r not in earned)
    assert len(earned) == 44  # 44 x 25 = 1,100 = the block + the credit limit
    assert await allowance(pool, kiosk.id) == (1000, 1100)

    # returns and new earns at once: the allowance never goes beyond 1,100
    returns = [
        ledger.reverse(r.transaction_id, None, now=t0, partner_id=kiosk.id) for r in earned[:10]
    ]
    more = [ledger.earn(people[i % 12], kiosk.id, "25.00", now=t0) for i in range(20)]
    mixed = await asyncio.gather(*returns, *more, return_exceptions=True)
    assert not [
        r for r in mixed if isinstance(r, BaseException) and not isinstance(r, ExchangeError)
    ]
    assert all(not isinstance(r, BaseException) for r in mixed[:10])
    again = [r for r in mixed[10:] if not isinstance(r, BaseException)]
    assert len(again) <= 10
    assert await allowance(pool, kiosk.id) == (1000, 1100 - 250 + 25 * len(again))


async def test_a_post_paid_earn_never_touches_an_allowance(
    pool, make_partner, make_member, ledger: Ledger
) -> None:
    """With the allowances table locked by another transaction, a post-paid earn goes
    through; a prepaid one waits for the lock."""
    t0 = base_time()
    fuel, kiosk = await make_partner(), await make_partner()
    await make_prepaid(pool, kiosk, bought=100, credit_limit=0)
    member = await make_member(fuel)
    await ledger.link(member, kiosk.id)
    async with pool.connection() as locker:
        await locker.execute("BEGIN")
        await locker.execute("LOCK TABLE prepaid_allowances IN ACCESS EXCLUSIVE MODE")
        done = await asyncio.wait_for(ledger.earn(member, fuel.id, "10.00", now=t0), timeout=10)
        waiting = asyncio.create_task(ledger.earn(member, kiosk.id, "10.00", now=t0))
        await asyncio.sleep(0.5)
        assert not waiting.done()
        await locker.execute("COMMIT")
    assert (await asyncio.wait_for(waiting, timeout=10)).points == 10
    assert done.points == 10
    rows = await ledger.fetch(
        "SELECT partner_id, prepaid FROM journal_entries WHERE member_id = %s ORDER BY id", member
    )
    assert [(r["partner_id"], r["prepaid"]) for r in rows] == [(fuel.id, False), (kiosk.id, True)]
    assert await allowance(pool, kiosk.id) == (100, 10)


async def test_earns_from_before_a_partner_became_prepaid_stay_post_paid(
    pool, make_partner, make_member, ledger: Ledger
) -> None:
    t0 = base_time()
    shop = await make_partner()
    member = await make_member(shop)
    old = await ledger.earn(member, shop.id, "50.00", now=t0)  # post-paid: billed as issued
    await make_prepaid(pool, shop, bought=100, credit_limit=0)
    await ledger.earn(member, shop.id, "80.00", now=t0)
    await ledger.reverse(old.transaction_id, None, now=t0, partner_id=shop.id)
    assert await allowance(pool, shop.id) == (100, 80)  # the old earn's 50 never drew

    async with transaction(pool) as conn:
        partner = await prepaid.set_billing(
            conn, code=shop.code, billing="POSTPAID", credit_limit_points=None
        )
    assert (partner.billing, partner.credit_limit_points) == ("POSTPAID", 0)
    await ledger.earn(member, shop.id, "500.00", now=t0)  # post-paid again: no limit
    assert await allowance(pool, shop.id) == (100, 80)


async def test_a_partner_owing_points_on_credit_cannot_become_post_paid(
    pool, make_partner, make_member, ledger: Ledger
) -> None:
    kiosk = await make_partner()
    await make_prepaid(pool, kiosk, bought=0, credit_limit=50)
    await ledger.earn(await make_member(kiosk), kiosk.id, "30.00", now=base_time())
    with pytest.raises(InvalidInput, match="drew 30 points on credit"):
        async with transaction(pool) as conn:
            await prepaid.set_billing(
                conn, code=kiosk.code, billing="POSTPAID", credit_limit_points=None
            )
    await buy(pool, kiosk, 30)
    async with transaction(pool) as conn:
        partner = await prepaid.set_billing(
            conn, code=kiosk.code, billing="POSTPAID", credit_limit_points=None
        )
    assert partner.billing == "POSTPAID"


async def test_a_block_is_recorded_once_per_idempotency_key(pool, make_partner) -> None:
    kiosk, fuel = await make_partner(), await make_partner()
    await make_prepaid(pool, kiosk, bought=0, credit_limit=0)
    key = new_key("block")

    async def record(partner, points: int):  # type: ignore[no-untyped-def]
        async with transaction(pool) as conn:
            return await prepaid.record_block(
                conn,
                prepaid.NewBlock(partner.code, points, Decimal("0.009"), "EUR", "INV-7"),
                caller="admin",
                key=key,
                actor="test",
                now=datetime.now(UTC),
            )

    first = await record(kiosk, 1000)
    assert await record(kiosk, 1000) == first
    assert await allowance(pool, kiosk.id) == (1000, 0)
    assert first.amount == Decimal("9.000000")
    with pytest.raises(IdempotencyConflict):
        await record(kiosk, 2000)
    with pytest.raises(InvalidInput, match="is POSTPAID"):
        async with transaction(pool) as conn:
            await prepaid.record_block(
                conn,
                prepaid.NewBlock(fuel.code, 10, Decimal("0.009"), "EUR", "INV-8"),
                caller="admin",
                key=None,
                actor="test",
                now=datetime.now(UTC),
            )


async def test_the_audit_finds_a_block_the_allowance_does_not_count(pool, make_partner) -> None:
    kiosk = await make_partner()
    await make_prepaid(pool, kiosk, bought=0, credit_limit=0)
    async with pool.connection() as conn, conn.transaction(force_rollback=True):
        await conn.execute(
            "INSERT INTO point_blocks (partner_id, points, price_per_point, currency, reference,"
            " bought_at, posted_at, created_by) VALUES (%s, 40, 0.01, 'EUR', 'x', now(), now(),"
            " 'test')",
            (kiosk.id,),
        )
        results = {check.name: check for check in await run_audit(conn)}
    assert results["prepaid_bought_equals_blocks"].violations == [(kiosk.id, -40)]
    assert all(
        check.ok for name, check in results.items() if name != "prepaid_bought_equals_blocks"
    )
