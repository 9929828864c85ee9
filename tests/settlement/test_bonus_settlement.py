"""Bonus points settled exactly: a bonus FUEL awards is points FUEL issued (billed at its issue
price, as its earns), a bonus a PREPAID partner awards is drawn from its point blocks, and the
operator's own bonus (no issuer) is paid by nobody but the operator's margin when a partner
redeems it. Every figure is written out; the full audit (ledger and batches) holds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from settlement_support import Coalition

from exchange.kit.db import transaction
from exchange.ledger import bonuses
from exchange.ledger.errors import PartnerCreditLimit
from exchange.ledger.outcome import Outcome, Request
from partners.bonuses import awarding, setting
from partners.bonuses.catalogue import EventType, Limit
from settlement import batches
from settlement.audit import run_full_audit
from settlement.batches import Asked

T0 = datetime(2026, 10, 1, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


async def award(
    coalition: Coalition, partner_id: int, member_id: int, kind: str, ref: str, now: datetime
) -> Outcome:
    request = Request(
        f"partner:{partner_id}",
        f"{partner_id}-{member_id}-{kind}-{ref}",
        awarding.OPERATION,
        awarding.request_body(member_id, kind, ref),
    )
    async with transaction(coalition.pool) as conn:
        return await awarding.award(
            conn,
            request,
            partner_id=partner_id,
            member_id=member_id,
            event_type=kind,
            reference=ref,
            now=now,
        )


async def test_bonuses_are_billed_to_who_issued_them(coalition: Coalition) -> None:
    terms = {"earn_rate": "1", "issue_price": "0.010", "redemption_value": "0.008"}
    fuel = await coalition.partner("FUEL", **terms)
    grocer = await coalition.partner("GROCER", **{**terms, "redemption_value": "0.009"})
    kiosk = await coalition.prepaid_partner("KIOSK", credit_limit=0, **terms)
    ana, ben = await coalition.member(fuel), await coalition.member(fuel)
    for member_id in (ana, ben):
        await coalition.ledger.link(member_id, grocer)
        await coalition.ledger.link(member_id, kiosk)
    async with transaction(coalition.pool) as conn:
        await setting.set_event_types(
            conn,
            [
                EventType("REVIEW", "Product review", 50, Limit(3, "MONTH")),
                EventType("BIRTHDAY", "Birthday", 200, Limit(1, "YEAR")),
            ],
            effective_from=None,
            caller="test",
            key="types",
            actor="admin test",
            now=T0,
        )
    await coalition.buy_block("KIOSK", 250, "0.009", now=T0, reference="INV-1")

    # FUEL: an earn of 200 and two reviews (100); KIOSK: ben's birthday (200 of its 250)
    await coalition.ledger.earn(ana, fuel, "200.00", now=T0 + MINUTE)
    await award(coalition, fuel, ana, "REVIEW", "r-1", T0 + 2 * MINUTE)
    await award(coalition, fuel, ana, "REVIEW", "r-2", T0 + 3 * MINUTE)
    await award(coalition, kiosk, ben, "BIRTHDAY", "2026", T0 + 4 * MINUTE)
    with pytest.raises(PartnerCreditLimit):  # 200 more would pass its 50 left
        await award(coalition, kiosk, ana, "BIRTHDAY", "2026", T0 + 5 * MINUTE)
    # the operator's own bonus of 30 to ben (a referral's, say), for ever
    async with transaction(coalition.pool) as conn:
        await bonuses.credit(
            conn,
            bonuses.Bonus(points=30, reason="Operator bonus", details={"test": True}),
            member_id=ben,
            partner_id=None,
            now=T0 + 6 * MINUTE,
        )
    # ana spends 250 at GROCER (FUEL's 200 earned, then FUEL's 50 of a review, by expiry and
    # id); ben spends 230 there: KIOSK's 200 first (it expires), then the operator's 30
    await coalition.ledger.burn(ana, grocer, 250, now=T0 + 7 * MINUTE)
    await coalition.ledger.burn(ben, grocer, 230, now=T0 + 8 * MINUTE)

    batch = await batches.run(
        coalition.pool,
        period_end=T0 + timedelta(days=1),
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=Asked(actor="finance test", caller="test"),
        now=T0 + timedelta(days=1),
    )
    assert await coalition.lines(batch.id) == [
        ("FUEL", "ISSUED", False, D("0.010000"), 300, D("3.000000"), D("3.00")),
        ("GROCER", "REDEEMED", False, D("0.009000"), 480, D("-4.320000"), D("-4.32")),
        ("KIOSK", "POINT_BLOCK", False, D("0.009000"), 250, D("2.250000"), D("2.25")),
        ("KIOSK", "ISSUED_PREPAID", False, D("0"), 200, D("0"), D("0.00")),
    ]
    assert await coalition.flows(batch.id) == [
        (None, "GROCER", 30, D("0.270000")),
        ("FUEL", "GROCER", 250, D("2.250000")),
        ("KIOSK", "GROCER", 200, D("1.800000")),
    ]
    statements = await coalition.statements(batch.id)
    # the operator keeps 3.00 + 2.25 - 4.32 = 0.93: what it was paid less the 0.27 it owes
    # GROCER for its own 30 points
    assert sum(s["net_amount"] for s in statements.values()) == D("0.93")
    async with transaction(coalition.pool) as conn:
        assert [check.name for check in await run_full_audit(conn) if not check.ok] == []
