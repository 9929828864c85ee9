"""A prepaid partner's file draws from its point blocks and credit limit in line order: the
lines before the first that does not fit are posted, that line and every later one with
points are refused with PARTNER_CREDIT_LIMIT (across chunks too), and importing the file
again after a new block posts them."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from import_support import audit_failures, earn_line, import_file, row_counts, write_file

from exchange.kit.db import Pool, transaction
from partners import prepaid


async def buy(pool: Pool, code: str, points: int) -> None:
    async with transaction(pool) as conn:
        await prepaid.record_block(
            conn,
            prepaid.NewBlock(code, points, Decimal("0.009"), "EUR", f"INV-{points}"),
            caller="test",
            key=None,
            actor="test",
            now=datetime.now(UTC),
        )


async def drawn(pool: Pool, partner_id: int) -> int:
    async with transaction(pool) as conn:
        return (await prepaid.allowances_of(conn, [partner_id]))[partner_id].points_drawn


async def test_lines_beyond_the_limit_are_refused_in_line_order(
    pool: Pool, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    kiosk = await make_partner(earn_rate="1")
    async with transaction(pool) as conn:
        await prepaid.set_billing(conn, code=kiosk.code, billing="PREPAID", credit_limit_points=20)
    await buy(pool, kiosk.code, 100)  # 100 bought + 20 on credit: 120 points to issue
    ana, ben = await make_member(kiosk), await make_member(kiosk)
    stranger = await make_member()
    records = [
        earn_line(ana, "40.00"),  # 1: 40, running 40
        earn_line(ben, "0.50"),  # 2: 0 points, draws nothing
        earn_line(stranger, "9.00"),  # 3: MEMBER_NOT_FOUND, draws nothing
        earn_line(ben, "50.00"),  # 4: running 90
        earn_line(ana, "25.00"),  # 5: running 115
        earn_line(ben, "10.00"),  # 6: running 125 > 120: refused
        earn_line(ana, "5.00"),  # 7: 5 would fit, but it comes after line 6: refused
        earn_line(ben, "0.20"),  # 8: 0 points: posted
        earn_line(ana, "3.00"),  # 9: refused
    ]
    path = write_file(tmp_path / "kiosk.jsonl", records)
    before = await row_counts(pool)

    job, errors = await import_file(pool, kiosk.id, path, chunk_lines=3)  # 1-3, 4-6, 7-9

    assert (job.lines_posted, job.lines_already, job.lines_rejected) == (5, 0, 4)
    assert [(e.line_no, e.code) for e in errors] == [
        (3, "MEMBER_NOT_FOUND"),
        (6, "PARTNER_CREDIT_LIMIT"),
        (7, "PARTNER_CREDIT_LIMIT"),
        (9, "PARTNER_CREDIT_LIMIT"),
    ]
    assert errors[1].message.startswith("10 points go beyond the partner's point blocks")
    assert await drawn(pool, kiosk.id) == 115
    after = await row_counts(pool)
    assert after["journal_entries"] - before["journal_entries"] == 5
    assert after["idempotency_records"] - before["idempotency_records"] == 5  # keys let go
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT credit_limit_line FROM import_jobs WHERE id = %s", (job.id,)
        )
        assert await cur.fetchone() == {"credit_limit_line": 6}

    await buy(pool, kiosk.code, 100)
    job, errors = await import_file(pool, kiosk.id, path)
    assert (job.lines_posted, job.lines_already, job.lines_rejected) == (3, 5, 1)
    assert [(e.line_no, e.code) for e in errors] == [(3, "MEMBER_NOT_FOUND")]
    assert await drawn(pool, kiosk.id) == 133  # 115 + 10 + 5 + 3
    assert await audit_failures(pool) == []
