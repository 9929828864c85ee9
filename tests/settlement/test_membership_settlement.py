"""Paid memberships billed to the partners that sold them, every figure written out: FUEL
sells "Gold for 12 months" at 49.00 EUR twice and "Double points for 3 months" at 9.90 EUR
once, GROCER sells one Gold; each membership is billed once (MEMBERSHIP_SOLD, points count
the memberships), beside the partners' issuance, and one that commits after a batch ran falls
into the next batch, as an entry does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from settlement_support import Coalition

from exchange.kit.db import transaction
from partners.tiers import checks, selling, setting
from partners.tiers.plans import Plan
from settlement import batches, exports
from settlement.audit import run_full_audit
from settlement.batches import Asked

T0 = datetime(2026, 10, 1, tzinfo=UTC)
ASKED = Asked(actor="finance test", caller="test")
GOLD12 = Plan("GOLD12", "Gold for 12 months", 365, D("49.00"), "EUR", tier="Gold")
DOUBLE3 = Plan("DOUBLE3", "Double points for 3 months", 90, D("9.90"), "EUR", multiplier=D(2))


async def settle(coalition: Coalition, period_end: datetime):  # type: ignore[no-untyped-def]
    return await batches.run(
        coalition.pool,
        period_end=period_end,
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=ASKED,
        now=period_end,
    )


async def program(coalition: Coalition) -> None:
    levels = [
        checks.NewLevel("Silver", 1000, D("1.25"), ""),
        checks.NewLevel("Gold", 5000, D("1.5"), ""),
    ]
    ladder = checks.ladder(
        levels, window=timedelta(days=365), review_every=timedelta(days=30), grace_days=14
    )
    async with transaction(coalition.pool) as conn:
        await setting.set_tiers(
            conn, ladder, effective_from=None, caller="a", key="t1", actor="admin", now=T0
        )
        await setting.set_plans(
            conn,
            [GOLD12, DOUBLE3],
            effective_from=None,
            caller="a",
            key="p1",
            actor="admin",
            now=T0,
        )


async def sell(
    coalition: Coalition, member: int, partner: int, plan: str, now: datetime
) -> selling.Sold:
    async with transaction(coalition.pool) as conn:
        return await selling.sell(
            conn,
            member_id=member,
            partner_id=partner,
            plan_code=plan,
            caller=f"partner:{partner}",
            key=f"sell-{member}-{plan}-{now.isoformat()}",
            actor="partner key",
            now=now,
        )


async def test_memberships_are_billed_once_to_the_partner_that_sold_them(
    coalition: Coalition,
) -> None:
    terms = {"earn_rate": "1", "issue_price": "0.010", "redemption_value": "0.008"}
    fuel = await coalition.partner("FUEL", **terms)
    grocer = await coalition.partner("GROCER", **terms)
    ana = await coalition.member(fuel)
    ben = await coalition.member(fuel)
    chloe = await coalition.member(grocer)
    await program(coalition)

    # period 1: FUEL issues 200 points and sells two Golds and a double-points plan
    await coalition.ledger.earn(ana, fuel, "200.00", now=T0)
    await sell(coalition, ana, fuel, "GOLD12", T0 + timedelta(minutes=1))
    await sell(coalition, ben, fuel, "gold12", T0 + timedelta(minutes=2))
    await sell(coalition, ben, fuel, "DOUBLE3", T0 + timedelta(minutes=3))
    await sell(coalition, chloe, grocer, "GOLD12", T0 + timedelta(minutes=4))
    first = await settle(coalition, T0 + timedelta(days=1))

    assert await coalition.lines(first.id) == [
        ("FUEL", "MEMBERSHIP_SOLD", False, D("9.9000"), 1, D("9.9000"), D("9.90")),
        ("FUEL", "MEMBERSHIP_SOLD", False, D("49.0000"), 2, D("98.0000"), D("98.00")),
        ("FUEL", "ISSUED", False, D("0.010000"), 200, D("2.000000"), D("2.00")),
        ("GROCER", "MEMBERSHIP_SOLD", False, D("49.0000"), 1, D("49.0000"), D("49.00")),
    ]
    statements = await coalition.statements(first.id)
    assert (statements["FUEL"]["net_amount"], statements["FUEL"]["memberships_sold"]) == (
        D("109.90"),
        3,
    )
    assert statements["FUEL"]["entries_count"] == 1  # memberships are not ledger entries
    assert (statements["GROCER"]["net_amount"], statements["GROCER"]["memberships_sold"]) == (
        D("49.00"),
        1,
    )
    assert first.operator_margin == D("158.90")
    assert await coalition.payments(first.id) == [
        ("FUEL", None, D("109.90")),
        ("GROCER", None, D("49.00")),
    ]
    async with transaction(coalition.pool) as conn:
        document = json.loads(await exports.batch_json(conn, first))
    fuel_json = next(s for s in document["statements"] if s["partner"] == "FUEL")
    assert fuel_json["points"]["memberships"] == 3
    await batches.approve(coalition.pool, first.id, asked=ASKED, now=T0 + timedelta(days=1))

    # period 2: a membership whose transaction commits only after the batch ran
    t = T0 + timedelta(days=3)
    async with transaction(coalition.pool) as late:
        await selling.sell(
            late,
            member_id=ana,
            partner_id=fuel,
            plan_code="DOUBLE3",
            caller=f"partner:{fuel}",
            key="late",
            actor="partner key",
            now=t,
        )
        second = await settle(coalition, t + timedelta(hours=1))
    assert await coalition.lines(second.id) == []  # nothing billed twice, the late one unseen
    await batches.approve(coalition.pool, second.id, asked=ASKED, now=t + timedelta(hours=1))
    third = await settle(coalition, t + timedelta(hours=2))
    assert await coalition.lines(third.id) == [
        ("FUEL", "MEMBERSHIP_SOLD", False, D("9.9000"), 1, D("9.9000"), D("9.90")),
    ]
    async with transaction(coalition.pool) as conn:
        assert [c.name for c in await run_full_audit(conn) if not c.ok] == []
