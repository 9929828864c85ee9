"""A prepaid partner settled over three periods, every figure written out: KIOSK buys 1,000
points at 0.009 and may issue 100 more on credit; its issuance is drawn from the block and
shown at a unit price of 0, the block is billed once (POINT_BLOCK), a reversal gives points
back to the block and no money to KIOSK, and a block that commits after a batch ran falls
into the next batch, as an entry does. FUEL, post-paid, is billed as before."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest
from settlement_support import Coalition

from exchange.kit.db import transaction
from exchange.ledger.errors import PartnerCreditLimit
from partners import prepaid
from settlement import batches, exports
from settlement.batches import Asked

T0 = datetime(2026, 10, 1, tzinfo=UTC)
ASKED = Asked(actor="finance test", caller="test")


async def settle(coalition: Coalition, period_end: datetime):  # type: ignore[no-untyped-def]
    return await batches.run(
        coalition.pool,
        period_end=period_end,
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=ASKED,
        now=period_end,
    )


async def drawn(coalition: Coalition, partner_id: int) -> tuple[int, int]:
    async with transaction(coalition.pool) as conn:
        found = (await prepaid.allowances_of(conn, [partner_id]))[partner_id]
    return found.points_bought, found.points_drawn


async def test_blocks_are_billed_once_and_prepaid_issuance_is_not_billed_again(
    coalition: Coalition,
) -> None:
    terms = {"earn_rate": "1", "issue_price": "0.010", "redemption_value": "0.008"}
    kiosk = await coalition.prepaid_partner("KIOSK", credit_limit=100, **terms)
    fuel = await coalition.partner("FUEL", **terms)
    ana, ben = await coalition.member(kiosk), await coalition.member(kiosk)
    await coalition.ledger.link(ana, fuel)
    ledger = coalition.ledger

    # period 1: a block of 1,000 points at 0.009 (9.00 EUR); KIOSK issues 1,100 (100 on
    # credit), is refused one point more, takes 150 back on a return and issues 150 again
    block = await coalition.buy_block("KIOSK", 1000, "0.009", now=T0, reference="INV-1")
    assert block.amount == D("9.000000")
    await ledger.earn(ana, kiosk, "600.00", now=T0)
    bens = await ledger.earn(ben, kiosk, "400.00", now=T0 + timedelta(minutes=1))
    anas_credit = await ledger.earn(ana, kiosk, "100.00", now=T0 + timedelta(minutes=2))
    with pytest.raises(PartnerCreditLimit):
        await ledger.earn(ben, kiosk, "1.00", now=T0 + timedelta(minutes=3))
    await ledger.reverse(
        bens.transaction_id, "150.00", now=T0 + timedelta(minutes=4), partner_id=kiosk
    )
    await ledger.earn(ben, kiosk, "150.00", now=T0 + timedelta(minutes=5))
    assert await drawn(coalition, kiosk) == (1000, 1100)
    # FUEL issues 200 at 0.010; ana spends 300 of KIOSK's points there (her first lot)
    await ledger.earn(ana, fuel, "200.00", now=T0 + timedelta(minutes=6))
    await ledger.burn(ana, fuel, 300, now=T0 + timedelta(minutes=7))
    first = await settle(coalition, T0 + timedelta(days=1))

    assert await coalition.lines(first.id) == [
        ("FUEL", "ISSUED", False, D("0.010000"), 200, D("2.000000"), D("2.00")),
        ("FUEL", "REDEEMED", False, D("0.008000"), 300, D("-2.400000"), D("-2.40")),
        ("KIOSK", "POINT_BLOCK", False, D("0.009000"), 1000, D("9.000000"), D("9.00")),
        ("KIOSK", "ISSUED_PREPAID", False, D("0"), 1250, D("0"), D("0.00")),
        ("KIOSK", "ISSUE_REVERSED_PREPAID", False, D("0"), 150, D("0"), D("0.00")),
    ]
    statements = await coalition.statements(first.id)
    kiosk_statement = statements["KIOSK"]
    assert (kiosk_statement["billing"], kiosk_statement["net_amount"]) == ("PREPAID", D("9.00"))
    assert [kiosk_statement[f"{name}_points"] for name in ("issued", "reversed", "bought")] == [
        1250,
        150,
        1000,
    ]
    assert kiosk_statement["entries_count"] == 5  # its four earns and the reversal
    assert statements["FUEL"]["net_amount"] == D("-0.40")
    assert await coalition.flows(first.id) == [("KIOSK", "FUEL", 300, D("2.400000"))]
    assert first.operator_margin == D("8.60")  # 9.00 for the block - 0.40 to FUEL
    assert await coalition.payments(first.id) == [
        ("KIOSK", None, D("8.60")),
        ("KIOSK", "FUEL", D("0.40")),
    ]
    async with transaction(coalition.pool) as conn:
        csv_text = await exports.statements_csv(conn, first)
        document = await exports.batch_json(conn, first)
    assert [row[4:] for row in csv.reader(io.StringIO(csv_text)) if row[3] == "KIOSK"] == [
        ["1", "POINT_BLOCK", "no", "0.009", "1000", "9", "9.00", "1"],
        ["2", "ISSUED_PREPAID", "no", "0", "1250", "0", "0.00", "4"],
        ["3", "ISSUE_REVERSED_PREPAID", "no", "0", "150", "0", "0.00", "1"],
        ["", "NET", "", "", "", "9", "9.00", ""],
        ["", "ROUNDING", "", "", "", "0", "0.00", ""],
    ]
    kiosk_json = next(s for s in json.loads(document)["statements"] if s["partner"] == "KIOSK")
    assert kiosk_json["points"] == {
        "issued": 1250,
        "reversed": 150,
        "redeemed": 0,
        "refunded": 0,
        "expired": 0,
        "bought": 1000,
        "memberships": 0,
    }
    await batches.approve(coalition.pool, first.id, asked=ASKED, now=T0 + timedelta(days=1))

    # period 2: a block of 500 at 0.0095 (4.75), ana returns her whole 100.00 purchase of
    # period 1 (an adjustment, its 100 points go back to the block), and a block of 200
    # whose transaction commits only after the batch ran
    t = T0 + timedelta(days=3)
    await coalition.buy_block("KIOSK", 500, "0.0095", now=t, reference="INV-2")
    await ledger.reverse(anas_credit.transaction_id, None, now=t, partner_id=kiosk)
    async with transaction(coalition.pool) as late:
        await prepaid.record_block(
            late,
            prepaid.NewBlock("KIOSK", 200, D("0.009"), "EUR", "INV-3"),
            caller="test",
            key=None,
            actor="finance test",
            now=t,  # posted before the cut-off...
        )
        second = await settle(coalition, t + timedelta(days=1))  # ...committed after the run
    assert await coalition.lines(second.id) == [
        ("KIOSK", "POINT_BLOCK", False, D("0.009500"), 500, D("4.750000"), D("4.75")),
        ("KIOSK", "ISSUE_REVERSED_PREPAID", True, D("0"), 100, D("0"), D("0.00")),
    ]
    assert second.operator_margin == D("4.75")
    assert await drawn(coalition, kiosk) == (1700, 1000)
    await batches.approve(coalition.pool, second.id, asked=ASKED, now=t + timedelta(days=1))

    third = await settle(coalition, t + timedelta(days=2))
    assert await coalition.lines(third.id) == [
        ("KIOSK", "POINT_BLOCK", False, D("0.009000"), 200, D("1.800000"), D("1.80")),
    ]
    assert (third.entries_count, third.operator_margin) == (0, D("1.80"))
    assert await coalition.ledger.audit_failures() == []
