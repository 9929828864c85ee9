"""Campaign points in settlement, every figure written out: FUEL (issue price 0.010) runs a
x2 campaign it funds and the operator adds a 50-point bonus; a member buys for 100.00 EUR (1
point per EUR: 100 points, 100 more from FUEL's campaign, 50 from the operator) and spends
230 at SHOP (redemption value 0.008). FUEL is billed for the 200 points it issued, SHOP is
owed 230 x 0.008, and the operator's margin pays for its 30 points that were spent; the
return of the purchase reverses all three issuers' points in the next batch. The audit holds
after each batch."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from decimal import Decimal as D
from pathlib import Path

from settlement_support import Coalition, audit_failures

from exchange.kit.db import transaction
from partners.campaigns.terms import Funder, Kind
from settlement import batches
from settlement.audit import run_full_audit
from settlement.batches import Asked

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ledger"))
from campaign_support import Campaigns

TERMS = {"earn_rate": "1", "issue_price": "0.010", "redemption_value": "0.008"}


async def settle(coalition: Coalition) -> int:
    batch = await batches.run(
        coalition.pool,
        period_end=datetime.now(UTC),
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=Asked(actor="finance test", caller="test"),
        now=datetime.now(UTC),
    )
    await batches.approve(coalition.pool, batch.id, asked=Asked("t", "t"), now=datetime.now(UTC))
    return batch.id


async def audit_ok(coalition: Coalition) -> None:
    async with transaction(coalition.pool) as conn:
        assert [c.name for c in await run_full_audit(conn) if not c.ok] == []
        assert await audit_failures(conn) == []


async def test_campaign_points_settle_with_the_partner_or_operator_that_issued_them(
    coalition: Coalition,
) -> None:
    fuel = await coalition.partner("FUEL", **TERMS)
    shop = await coalition.partner("SHOP", **TERMS)
    member = await coalition.member(fuel)
    campaigns = Campaigns(coalition.pool)
    await campaigns.create({fuel}, Kind.MULTIPLIER)
    await campaigns.create({fuel}, Kind.BONUS, funder=Funder.OPERATOR)

    earned = await campaigns.buy(member, fuel, [], amount="100.00")
    await coalition.ledger.link(member, shop)
    await coalition.ledger.burn(member, shop, 230, now=datetime.now(UTC))
    first = await settle(coalition)

    assert earned.points == 100
    assert [(b["partner_id"], b["points"]) for b in await campaigns.bonuses(earned)] == [
        (fuel, 100),
        (None, 50),
    ]
    lines = await coalition.lines(first)
    assert ("FUEL", "ISSUED", False, D("0.010000"), 200, D("2.000000"), D("2.00")) in [
        tuple(line) for line in lines
    ]
    assert ("SHOP", "REDEEMED", False, D("0.008000"), 230, D("-1.840000"), D("-1.84")) in [
        tuple(line) for line in lines
    ]
    # the burn took FUEL's two lots (earliest id first at the same expiry), then 30 of the
    # operator's: the operator pays SHOP for those out of its margin
    assert await coalition.flows(first) == [
        (None, "SHOP", 30, D("0.240000")),
        ("FUEL", "SHOP", 200, D("1.600000")),
    ]
    statements = await coalition.statements(first)
    assert (statements["FUEL"]["net_amount"], statements["SHOP"]["net_amount"]) == (
        D("2.00"),
        D("-1.84"),
    )
    await audit_ok(coalition)

    await campaigns.give_back(earned, fuel)
    second = await settle(coalition)

    lines = [tuple(line) for line in await coalition.lines(second)]
    assert ("FUEL", "ISSUE_REVERSED", True, D("0.010000"), 200, D("-2.000000"), D("-2.00")) in lines
    assert [line for line in lines if line[0] == "SHOP"] == []
    await audit_ok(coalition)
