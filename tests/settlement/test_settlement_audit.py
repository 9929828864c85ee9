"""The audit checks every written batch too (rule 8): nets sum to the margin, lines to the
net, the matrix to the redeemed points, payments to the nets; a row slipped in is found."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from settlement_support import Coalition

from exchange.kit.db import transaction
from settlement import batches
from settlement.audit import run_full_audit
from settlement.batches import Asked

T0 = datetime(2026, 10, 1, tzinfo=UTC)


async def failing(coalition: Coalition) -> dict[str, list[tuple[int, int]]]:
    async with transaction(coalition.pool) as conn:
        return {r.name: r.violations for r in await run_full_audit(conn) if not r.ok}


async def test_a_batch_balances_and_a_slipped_in_row_is_found(coalition: Coalition) -> None:
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.020", redemption_value="0.009"
    )
    member = await coalition.member(shop)
    await coalition.ledger.link(member, cafe)
    await coalition.ledger.earn(member, shop, "100.00", now=T0)
    await coalition.ledger.burn(member, cafe, 40, now=T0 + timedelta(hours=1))
    batch = await batches.run(
        coalition.pool,
        period_end=T0 + timedelta(days=1),
        currency="EUR",
        breakage_issuer_share=Decimal("0.5"),
        asked=Asked(actor="test", caller="test"),
        now=T0 + timedelta(days=1),
    )
    assert await failing(coalition) == {}

    async with transaction(coalition.pool) as conn:
        await conn.execute(
            "INSERT INTO settlement_lines (batch_id, partner_id, line_no, kind, adjustment,"
            " unit_price, points, exact_amount, amount, entries_count)"
            " VALUES (%s, %s, 99, 'REDEEMED', false, 0.009, 5, -0.045, -0.04, 1)",
            (batch.id, cafe),
        )
        await conn.execute(
            "INSERT INTO settlement_payments (batch_id, payment_no, payer_partner_id,"
            " payee_partner_id, amount) VALUES (%s, 99, NULL, %s, 1.00)",
            (batch.id, shop),
        )
    found = await failing(coalition)
    assert found["statement_lines_sum_to_net"] == [(batch.id, cafe)]
    assert found["flows_sum_to_redeemed"] == [(batch.id, -5)]
    assert found["payments_settle_nets"] == [(batch.id, shop)]
    assert "batch_nets_equal_margin" not in found  # the statements themselves are untouched
