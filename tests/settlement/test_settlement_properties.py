"""Random ledgers, settled batch after batch in one database: every batch balances (rule 8),
its payments move exactly the nets, its matrix sums to the redeemed points, a DRAFT run
again on the same ledger exports the same bytes, and no entry lands in two batches. One
partner is PREPAID (it buys point blocks, may switch billing, and its earns beyond its
blocks plus its credit limit are refused): its blocks are billed once, its prepaid issuance
never."""

from __future__ import annotations

import asyncio
import secrets
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from settlement_support import Coalition, audit_failures

from exchange.kit.db import Pool, open_pool, transaction
from exchange.kit.errors import ExchangeError
from partners import prepaid
from settlement import batches, exports
from settlement import repository as repo
from settlement.batches import Asked

ISSUE_PRICES = ("0.010", "0.0125", "0.013333", "0.007")
BILLINGS = (0, 1)
"""POSTPAID, PREPAID."""
REDEMPTION_VALUES = ("0.008", "0.0095", "0.011", "0.006")
BLOCK_PRICES = ("0.009", "0.0095", "0.012", "0.004")
CREDIT_LIMIT = 100

operation = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 300)),
    st.tuples(st.just("burn"), st.integers(0, 2), st.integers(0, 2), st.integers(1, 150)),
    st.tuples(st.just("refund"), st.integers(0, 30), st.integers(1, 60), st.just(0)),
    st.tuples(st.just("reverse"), st.integers(0, 30), st.integers(1, 100), st.just(0)),
    st.tuples(st.just("block"), st.just(2), st.integers(1, 400), st.integers(0, 3)),
    st.tuples(st.just("billing"), st.just(2), st.sampled_from(BILLINGS), st.just(0)),
)


ASKED = Asked(actor="finance test", caller="test")


async def _prepaid_op(coalition: Coalition, code: str, op: tuple[str, int, int, int]) -> None:
    """A block bought by the third partner, or its billing switched."""
    kind, _, b, c = op
    async with transaction(coalition.pool) as conn:
        if kind == "block":
            await prepaid.record_block(
                conn,
                prepaid.NewBlock(code, b, Decimal(BLOCK_PRICES[c]), "EUR", "INV"),
                caller="test",
                key=None,
                actor="test",
                now=datetime.now(UTC),
            )
        else:
            billing = ("POSTPAID", "PREPAID")[b]
            await prepaid.set_billing(conn, code=code, billing=billing, credit_limit_points=None)


async def _apply(coalition: Coalition, ops: list[tuple[str, int, int, int]]) -> None:
    ledger = coalition.ledger
    suffix = secrets.token_hex(3).upper()
    codes = [f"P{index}_{suffix}" for index in range(3)]
    partners = [
        await coalition.partner(
            codes[index],
            earn_rate="1",
            issue_price=ISSUE_PRICES[(index + len(ops)) % 4],
            redemption_value=REDEMPTION_VALUES[(index * 3 + len(ops)) % 4],
        )
        for index in range(3)
    ]
    async with transaction(coalition.pool) as conn:
        await prepaid.set_billing(
            conn, code=codes[2], billing="PREPAID", credit_limit_points=CREDIT_LIMIT
        )
    people = [await coalition.member(partners[0]) for _ in range(3)]
    for person in people:
        for partner in partners[1:]:
            await ledger.link(person, partner)
    earns: list[tuple[int, int]] = []
    burns: list[tuple[int, int]] = []
    for kind, a, b, c in ops:
        now = datetime.now(UTC)
        try:
            if kind == "earn":
                done = await ledger.earn(people[b], partners[a], f"{c}.00", now=now)
                earns.append((done.transaction_id or 0, partners[a]))
            elif kind == "burn":
                done = await ledger.burn(people[b], partners[a], c, now=now)
                burns.append((done.transaction_id or 0, partners[a]))
            elif kind == "refund" and burns:
                entry, partner = burns[a % len(burns)]
                await ledger.refund(entry, b, now=now, partner_id=partner)
            elif kind == "reverse" and earns:
                entry, partner = earns[a % len(earns)]
                await ledger.reverse(entry, f"{b}.00", now=now, partner_id=partner)
            elif kind in ("block", "billing"):
                await _prepaid_op(coalition, codes[2], (kind, a, b, c))
        except ExchangeError:
            pass  # a refusal (not enough points, more than the original...) changes nothing


def _check_batch(batch: repo.Batch, statements: list[dict[str, Any]], lines, flows, payments):  # type: ignore[no-untyped-def]
    nets = {s["partner_id"]: s["net_amount"] for s in statements}
    assert sum(nets.values(), Decimal(0)) == batch.operator_margin
    for s in statements:
        mine = [line for line in lines if line["partner_id"] == s["partner_id"]]
        assert sum((line["amount"] for line in mine), Decimal(0)) == s["net_amount"]
        assert sum((line["exact_amount"] for line in mine), Decimal(0)) == s["exact_net"]
        assert s["exact_net"] - s["net_amount"] == s["rounding_difference"]
        assert abs(s["rounding_difference"]) <= Decimal("0.005") * len(mine)
    moved: dict[int | None, Decimal] = defaultdict(Decimal)
    for payment in payments:
        moved[payment["payer_partner_id"]] += payment["amount"]
        moved[payment["payee_partner_id"]] -= payment["amount"]
    assert {p: a for p, a in moved.items() if p is not None and a} == {
        p: n for p, n in nets.items() if n
    }
    redeemed = sum(line["points"] for line in lines if line["kind"] == "REDEEMED")
    refunded = sum(line["points"] for line in lines if line["kind"] == "REDEMPTION_REFUNDED")
    assert sum(flow["points"] for flow in flows) == redeemed - refunded


SIGNS = {"EARN": 1, "EARN_REVERSAL": -1, "BURN": -1, "BURN_REFUND": 1}


async def _expected_nets(pool: Pool, start: datetime | None, end: datetime) -> dict[int, Decimal]:
    """Rule 8 computed naively, entry by entry, at the prices recorded on the originals; a
    prepaid partner pays for the blocks it bought instead of the points it issued from them."""
    window = " posted_at <= %s AND (%s::timestamptz IS NULL OR posted_at > %s)"
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT e.kind, e.partner_id, e.points, e.prepaid,"
            "       coalesce(o.issue_price, e.issue_price) AS issue_price,"
            "       coalesce(o.redemption_value, e.redemption_value) AS redemption_value"
            "  FROM journal_entries e LEFT JOIN journal_entries o ON o.id = e.original_entry_id"
            " WHERE" + window.replace("posted_at", "e.posted_at"),
            (end, start, start),
        )
        rows = await cur.fetchall()
        cur = await conn.execute(
            "SELECT partner_id, points, price_per_point FROM point_blocks WHERE" + window,
            (end, start, start),
        )
        blocks = await cur.fetchall()
    nets: dict[int, Decimal] = defaultdict(Decimal)
    for block in blocks:
        nets[block["partner_id"]] += block["points"] * block["price_per_point"]
    for row in rows:
        if row["kind"] in ("EARN", "EARN_REVERSAL") and row["prepaid"]:
            continue  # drawn from a block: billed with the block
        if row["kind"] in ("EARN", "EARN_REVERSAL"):
            nets[row["partner_id"]] += SIGNS[row["kind"]] * row["points"] * row["issue_price"]
        elif row["kind"] in ("BURN", "BURN_REFUND"):
            value = row["redemption_value"]
            nets[row["partner_id"]] += SIGNS[row["kind"]] * row["points"] * value
    return {partner: net for partner, net in nets.items() if net}


async def _settle_and_check(pool: Pool) -> None:
    end = datetime.now(UTC)
    async with transaction(pool) as conn:
        previous = await repo.latest_live(conn)
    expected = await _expected_nets(pool, previous and previous.period_end, end)

    async def run() -> tuple[repo.Batch, str]:
        batch = await batches.run(
            pool,
            period_end=end,
            currency="EUR",
            breakage_issuer_share=Decimal("0.5"),
            asked=ASKED,
            now=end,
        )
        async with transaction(pool) as conn:
            return batch, await exports.statements_csv(conn, batch)

    first, csv_first = await run()
    await batches.discard(pool, first.id, now=end)
    batch, csv_again = await run()
    assert csv_again == csv_first
    assert (batch.entries_count, batch.entries_sha256) == (
        first.entries_count,
        first.entries_sha256,
    )
    async with transaction(pool) as conn:
        statements = await repo.statement_rows(conn, batch.id)
        assert {s["partner_id"]: s["exact_net"] for s in statements if s["exact_net"]} == expected
        _check_batch(
            batch,
            statements,
            await repo.line_rows(conn, batch.id),
            await repo.flow_rows(conn, batch.id),
            await repo.payment_rows(conn, batch.id),
        )
    await batches.approve(pool, batch.id, asked=ASKED, now=end)
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT (SELECT sum(entries_count) FROM settlement_batches"
            "         WHERE status <> 'DISCARDED') AS settled,"
            "       (SELECT count(*) FROM journal_entries WHERE posted_at <= %s) AS posted",
            (end,),
        )
        row = await cur.fetchone()
        assert row is not None and row["settled"] == row["posted"]  # each entry in one batch
        cur = await conn.execute(
            "SELECT (SELECT coalesce(sum(l.points), 0) FROM settlement_lines l"
            "         JOIN settlement_batches b ON b.id = l.batch_id"
            "        WHERE l.kind = 'POINT_BLOCK' AND b.status <> 'DISCARDED') AS billed,"
            "       (SELECT coalesce(sum(points), 0) FROM point_blocks) AS bought,"
            "       (SELECT max(points_drawn - points_bought) FROM prepaid_allowances) AS credit"
        )
        row = await cur.fetchone()
        assert row is not None and row["billed"] == row["bought"]  # each block billed once
        assert row["credit"] is None or row["credit"] <= CREDIT_LIMIT
        assert await audit_failures(conn) == []


@pytest.mark.slow
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=st.lists(operation, min_size=1, max_size=14))
def test_every_batch_balances_and_no_entry_is_settled_twice(
    fresh_url: str, ops: list[tuple[str, int, int, int]]
) -> None:
    async def example() -> None:
        pool = await open_pool(fresh_url, size=4)
        try:
            await _apply(Coalition(pool), ops)
            await _settle_and_check(pool)
        finally:
            await pool.close()

    asyncio.run(example())
