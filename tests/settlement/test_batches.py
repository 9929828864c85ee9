"""Batches over time and under concurrency: an entry that commits after a batch ran falls
into the next one, two runs at once give one batch, and what a batch holds never changes
once approved (the database refuses)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from settlement_support import Coalition

from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.outcome import Request
from settlement import batches
from settlement.batches import Asked
from settlement.errors import (
    SettlementBatchNotApproved,
    SettlementBatchNotDraft,
    SettlementDraftExists,
    SettlementInProgress,
)

T0 = datetime(2026, 10, 1, tzinfo=UTC)


ASKED = Asked(actor="finance test", caller="test")


async def settle(coalition: Coalition, period_end: datetime, now: datetime | None = None):  # type: ignore[no-untyped-def]
    return await batches.run(
        coalition.pool,
        period_end=period_end,
        currency="EUR",
        breakage_issuer_share=Decimal("0.5"),
        asked=ASKED,
        now=now or period_end,
    )


async def two_partners(coalition: Coalition) -> tuple[int, int, int]:
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.020", redemption_value="0.009"
    )
    member = await coalition.member(shop)
    await coalition.ledger.link(member, cafe)
    return shop, cafe, member


async def test_an_entry_that_commits_after_the_run_falls_into_the_next_batch(
    coalition: Coalition,
) -> None:
    shop, _, member = await two_partners(coalition)
    await coalition.ledger.earn(member, shop, "10.00", now=T0)
    async with transaction(coalition.pool) as late:
        await earning.earn(
            late,
            Request(f"partner:{shop}", "late-1", "earnPoints", {"late": True}),
            member_id=member,
            partner_id=shop,
            earn_rate=Decimal(1),
            points=40,
            amount=Money(Decimal("40.00"), "EUR"),
            order_id="late",
            occurred_at=T0,
            now=T0 + timedelta(minutes=1),  # posted well before the cut-off...
        )
        first = await settle(coalition, T0 + timedelta(hours=1))  # ...but not yet committed
    assert first.entries_count == 1
    assert [s["issued_points"] for s in (await coalition.statements(first.id)).values()] == [10]
    await batches.approve(coalition.pool, first.id, asked=ASKED, now=T0 + timedelta(hours=2))

    second = await settle(coalition, T0 + timedelta(hours=3))
    assert second.entries_count == 1
    assert await coalition.lines(second.id) == [
        ("SHOP", "ISSUED", False, Decimal("0.01"), 40, Decimal("0.4"), Decimal("0.40"))
    ]
    assert second.period_start == first.period_end


async def test_two_runs_at_once_make_one_batch(coalition: Coalition) -> None:
    shop, _, member = await two_partners(coalition)
    await coalition.ledger.earn(member, shop, "10.00", now=T0)
    outcomes = await asyncio.gather(
        *(settle(coalition, T0 + timedelta(hours=1)) for _ in range(4)), return_exceptions=True
    )
    made = [outcome for outcome in outcomes if not isinstance(outcome, BaseException)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, BaseException)]
    assert len(made) == 1
    assert all(isinstance(error, SettlementInProgress | SettlementDraftExists) for error in refused)
    async with transaction(coalition.pool) as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM settlement_batches")
        assert (await cur.fetchone())["n"] == 1


async def test_a_draft_blocks_the_next_run_until_approved_or_discarded(
    coalition: Coalition,
) -> None:
    shop, _, member = await two_partners(coalition)
    await coalition.ledger.earn(member, shop, "10.00", now=T0)
    draft = await settle(coalition, T0 + timedelta(hours=1))
    with pytest.raises(SettlementDraftExists, match=f"batch {draft.id} is a DRAFT"):
        await settle(coalition, T0 + timedelta(hours=2))
    discarded = await batches.discard(coalition.pool, draft.id, now=T0 + timedelta(hours=2))
    assert discarded.status == "DISCARDED"
    again = await settle(coalition, T0 + timedelta(hours=1))
    assert again.entries_count == draft.entries_count == 1
    with pytest.raises(SettlementBatchNotApproved):
        await batches.mark_paid(coalition.pool, again.id, reference="r", asked=ASKED, now=T0)
    await batches.approve(coalition.pool, again.id, asked=ASKED, now=T0)
    paid = await batches.mark_paid(
        coalition.pool, again.id, reference="SEPA-2026-11-001", asked=ASKED, now=T0
    )
    assert (paid.status, paid.payment_reference) == ("PAID", "SEPA-2026-11-001")
    with pytest.raises(SettlementBatchNotDraft):
        await batches.discard(coalition.pool, again.id, now=T0)
    with pytest.raises(InvalidInput, match="before the end of batch"):
        await settle(coalition, T0)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE settlement_batches SET operator_margin = 0 WHERE id = %(id)s",
        "UPDATE settlement_batches SET status = 'DRAFT' WHERE id = %(id)s",
        "DELETE FROM settlement_batches WHERE id = %(id)s",
        "UPDATE settlement_lines SET amount = 0 WHERE batch_id = %(id)s",
        "DELETE FROM settlement_statements WHERE batch_id = %(id)s",
        "UPDATE settlement_payments SET amount = 1 WHERE batch_id = %(id)s",
    ],
)
async def test_an_approved_batch_never_changes(coalition: Coalition, statement: str) -> None:
    shop, cafe, member = await two_partners(coalition)
    await coalition.ledger.earn(member, shop, "10.00", now=T0)
    await coalition.ledger.burn(member, cafe, 5, now=T0)
    batch = await settle(coalition, T0 + timedelta(hours=1))
    await batches.approve(coalition.pool, batch.id, asked=ASKED, now=T0)
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        async with transaction(coalition.pool) as conn:
            await conn.execute(statement, {"id": batch.id})  # type: ignore[arg-type]


async def test_a_cut_off_in_the_future_is_refused(coalition: Coalition) -> None:
    with pytest.raises(ExchangeError, match="in the future"):
        await settle(coalition, T0 + timedelta(days=1), now=T0)


async def test_the_same_idempotency_key_gives_the_same_batch(coalition: Coalition) -> None:
    shop, _, member = await two_partners(coalition)
    await coalition.ledger.earn(member, shop, "10.00", now=T0)
    asked = Asked(actor="finance", caller="key:7", key="run-2026-10")
    end = T0 + timedelta(hours=1)

    async def run(period_end: datetime):  # type: ignore[no-untyped-def]
        return await batches.run(
            coalition.pool,
            period_end=period_end,
            currency="EUR",
            breakage_issuer_share=Decimal("0.5"),
            asked=asked,
            now=end,
        )

    first = await run(end)
    assert (await run(end)).id == first.id  # not SETTLEMENT_DRAFT_EXISTS: the same run
    with pytest.raises(ExchangeError, match="different input"):
        await run(end - timedelta(minutes=1))
    approving = Asked(actor="finance", caller="key:7", key="approve-2026-10")
    await batches.approve(coalition.pool, first.id, asked=approving, now=end)
    again = await batches.approve(coalition.pool, first.id, asked=approving, now=end)
    assert (again.id, again.status) == (first.id, "APPROVED")
