"""Three partners, two periods, every figure written out: earns at FUEL and GROCER settled in
period 1; in period 2 a burn at AIRLINE of points both issued, a partial refund of it, a
partial reversal of an earn settled in period 1 (an adjustment), and an earn at AIRLINE
whose amount rounds half-even."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal as D

from settlement_support import Coalition

from exchange.kit.db import transaction
from exchange.ledger import expiry
from settlement import batches
from settlement.batches import Asked

T0 = __import__("datetime").datetime(2026, 10, 1, tzinfo=__import__("datetime").UTC)


ASKED = Asked(actor="finance test", caller="test")


async def settle(coalition: Coalition, period_end, now):  # type: ignore[no-untyped-def]
    return await batches.run(
        coalition.pool,
        period_end=period_end,
        currency="EUR",
        breakage_issuer_share=D("0.5"),
        asked=ASKED,
        now=now,
    )


async def test_two_periods_with_a_burn_elsewhere_a_refund_and_an_adjustment(
    coalition: Coalition,
) -> None:
    fuel = await coalition.partner(
        "FUEL", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    grocer = await coalition.partner(
        "GROCER", earn_rate="2", issue_price="0.012", redemption_value="0.009"
    )
    airline = await coalition.partner(
        "AIRLINE", earn_rate="1", issue_price="0.015", redemption_value="0.010"
    )
    ana = await coalition.member(fuel)
    ben = await coalition.member(fuel)
    ledger = coalition.ledger
    for partner in (grocer, airline):
        await ledger.link(ana, partner)
        await ledger.link(ben, partner)

    # period 1: FUEL issues 100 + 80 points at 0.010, GROCER 100 (50.00 EUR x 2) at 0.012
    await ledger.earn(ana, fuel, "100.00", now=T0)
    await ledger.earn(ana, grocer, "50.00", now=T0 + timedelta(hours=1))
    bens_earn = await ledger.earn(ben, fuel, "80.00", now=T0 + timedelta(hours=2))
    first = await settle(coalition, T0 + timedelta(days=1), now=T0 + timedelta(days=1, hours=1))

    assert await coalition.lines(first.id) == [
        ("FUEL", "ISSUED", False, D("0.010000"), 180, D("1.800000"), D("1.80")),
        ("GROCER", "ISSUED", False, D("0.012000"), 100, D("1.200000"), D("1.20")),
    ]
    statements = await coalition.statements(first.id)
    assert {code: s["net_amount"] for code, s in statements.items()} == {
        "FUEL": D("1.80"),
        "GROCER": D("1.20"),
    }
    assert first.operator_margin == D("3.00") and first.entries_count == 3
    assert await coalition.payments(first.id) == [
        ("FUEL", None, D("1.80")),
        ("GROCER", None, D("1.20")),
    ]
    await batches.approve(coalition.pool, first.id, asked=ASKED, now=T0 + timedelta(days=2))

    # period 2
    t = T0 + timedelta(days=3)
    burn = await ledger.burn(ana, airline, 150, now=t)  # 100 of FUEL's lot, 50 of GROCER's
    await ledger.refund(burn.transaction_id, 30, now=t, partner_id=airline)  # GROCER's back
    await ledger.reverse(bens_earn.transaction_id, "20.00", now=t, partner_id=fuel)
    await ledger.earn(ben, airline, "25.00", now=t)  # 25 points at 0.015 = 0.375
    second = await settle(coalition, t + timedelta(days=1), now=t + timedelta(days=1))

    assert await coalition.lines(second.id) == [
        ("AIRLINE", "ISSUED", False, D("0.015000"), 25, D("0.375000"), D("0.38")),
        ("AIRLINE", "REDEEMED", False, D("0.010000"), 150, D("-1.500000"), D("-1.50")),
        ("AIRLINE", "REDEMPTION_REFUNDED", False, D("0.010000"), 30, D("0.300000"), D("0.30")),
        ("FUEL", "ISSUE_REVERSED", True, D("0.010000"), 20, D("-0.200000"), D("-0.20")),
    ]
    statements = await coalition.statements(second.id)
    assert {
        code: (s["exact_net"], s["net_amount"], s["rounding_difference"])
        for code, s in statements.items()
    } == {
        "AIRLINE": (D("-0.825000"), D("-0.82"), D("-0.005000")),
        "FUEL": (D("-0.200000"), D("-0.20"), D("0")),
        "GROCER": (D("0"), D("0"), D("0")),  # only its row of the matrix
    }
    assert await coalition.flows(second.id) == [
        ("FUEL", "AIRLINE", 100, D("1.000000")),
        ("GROCER", "AIRLINE", 20, D("0.200000")),
    ]
    assert second.operator_margin == D("-1.02")
    assert second.rounding_difference == D("-0.005")
    assert await coalition.payments(second.id) == [
        (None, "AIRLINE", D("0.82")),
        (None, "FUEL", D("0.20")),
    ]
    assert second.entries_count == 4
    async with transaction(coalition.pool) as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM journal_entries")
        assert (await cur.fetchone())["n"] == first.entries_count + second.entries_count


async def test_breakage_is_credited_to_its_issuer_at_the_configured_share(
    coalition: Coalition,
) -> None:
    trial = await coalition.partner(
        "TRIAL", earn_rate="1", issue_price="0.020", redemption_value="0.015", validity_days=10
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    member = await coalition.member(trial)
    await coalition.ledger.link(member, cafe)
    await coalition.ledger.earn(member, trial, "60.00", now=T0)  # 60 points, 10 days
    await coalition.ledger.burn(member, cafe, 20, now=T0 + timedelta(days=1))
    at = T0 + timedelta(days=11)
    expired = await expiry.run_expiry(
        coalition.pool, as_of=at, policy=expiry.ExpiryPolicy(), now=lambda: at
    )
    assert expired.points == 40

    batch = await settle(coalition, T0 + timedelta(days=12), now=T0 + timedelta(days=12))
    assert await coalition.lines(batch.id) == [
        ("CAFE", "REDEEMED", False, D("0.008000"), 20, D("-0.160000"), D("-0.16")),
        ("TRIAL", "ISSUED", False, D("0.020000"), 60, D("1.200000"), D("1.20")),
        # 40 expired points at half their issue price of 0.020 (EXCHANGE_BREAKAGE_ISSUER_SHARE)
        ("TRIAL", "BREAKAGE_CREDIT", False, D("0.010"), 40, D("-0.400"), D("-0.40")),
    ]
    statements = await coalition.statements(batch.id)
    assert statements["TRIAL"]["net_amount"] == D("0.80")
    assert statements["TRIAL"]["expired_points"] == 40
    assert statements["TRIAL"]["entries_count"] == 2  # its earn, and the expiry of its points
    assert batch.operator_margin == D("0.64")  # 1.20 - 0.40 - 0.16
