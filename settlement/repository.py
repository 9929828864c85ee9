"""All of settlement's SQL. A batch is computed in one REPEATABLE READ transaction: the
entries it covers are those its snapshot sees up to its cut-off, minus what the batch it
follows saw (migration 0009), gathered once into a temporary table; every figure is a
set-based aggregate over it. The point blocks and the paid memberships it bills follow the
same rule (migrations 0011 and 0013)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn

from .netting import Payment
from .statements import Aggregate, Statement

LIVE = ("DRAFT", "APPROVED", "PAID")


@dataclass(frozen=True)
class Batch:
    id: int
    status: str
    follows_batch_id: int | None
    period_start: datetime | None
    period_end: datetime
    snapshot: str
    currency: str
    breakage_issuer_share: Decimal
    entries_count: int
    entries_sha256: str
    operator_margin: Decimal
    rounding_difference: Decimal
    created_at: datetime
    created_by: str
    approved_at: datetime | None
    approved_by: str | None
    paid_at: datetime | None
    paid_by: str | None
    payment_reference: str | None
    discarded_at: datetime | None


def _batch(row: dict[str, Any] | None) -> Batch | None:
    return None if row is None else Batch(**row)


async def latest_live(conn: Conn) -> Batch | None:
    """The newest batch that is not discarded: the one a new batch follows."""
    cur = await conn.execute(
        "SELECT * FROM settlement_batches WHERE status = ANY(%s) ORDER BY id DESC LIMIT 1",
        (list(LIVE),),
    )
    return _batch(await cur.fetchone())


async def get(conn: Conn, batch_id: int, *, for_update: bool = False) -> Batch | None:
    lock = " FOR UPDATE" if for_update else ""
    cur = await conn.execute(f"SELECT * FROM settlement_batches WHERE id = %s{lock}", (batch_id,))
    return _batch(await cur.fetchone())


FINAL = ("APPROVED", "PAID")
"""What partners see: a DRAFT is finance's work in progress."""


async def page(
    conn: Conn, *, after: int | None, limit: int, statuses: Sequence[str] | None = None
) -> list[Batch]:
    """Newest first; ``after`` is the id of the last batch of the previous page."""
    cur = await conn.execute(
        "SELECT * FROM settlement_batches WHERE (%s::bigint IS NULL OR id < %s)"
        " AND (%s::text[] IS NULL OR status = ANY(%s)) ORDER BY id DESC LIMIT %s",
        (after, after, statuses and list(statuses), statuses and list(statuses), limit),
    )
    return [Batch(**row) for row in await cur.fetchall()]


async def insert_batch(
    conn: Conn,
    *,
    follows: Batch | None,
    period_end: datetime,
    currency: str,
    share: Decimal,
    actor: str,
    now: datetime,
) -> Batch:
    cur = await conn.execute(
        "INSERT INTO settlement_batches (follows_batch_id, period_start, period_end, snapshot,"
        " currency, breakage_issuer_share, created_at, created_by)"
        " VALUES (%s, %s, %s, pg_current_snapshot()::text, %s, %s, %s, %s) RETURNING *",
        (
            None if follows is None else follows.id,
            None if follows is None else follows.period_end,
            period_end,
            currency,
            share,
            now,
            actor,
        ),
    )
    batch = _batch(await cur.fetchone())
    assert batch is not None
    return batch


async def gather_covered(conn: Conn, batch: Batch, follows: Batch | None) -> None:
    """The temporary table ``settlement_covered``: the batch's entries, dropped at commit.
    The last condition only narrows the scan: an entry the previous batch did not see with
    posted_at <= its cut-off committed after it ran, so its xid is at least that snapshot's
    xmin."""
    previous = (None, None) if follows is None else (follows.period_end, follows.snapshot)
    await conn.execute(
        "CREATE TEMP TABLE settlement_covered ON COMMIT DROP AS"
        " SELECT e.id, e.kind, e.partner_id, e.points, e.issue_price, e.redemption_value,"
        "        e.original_entry_id, e.prepaid,"
        # what a redeemed point is worth: the burn's own value, or the original burn's
        "        CASE WHEN e.kind = 'BURN' THEN e.redemption_value"
        "             WHEN e.kind = 'BURN_REFUND' THEN (SELECT o.redemption_value"
        "                FROM journal_entries o WHERE o.id = e.original_entry_id)"
        "        END AS burn_value"
        "   FROM journal_entries e"
        "  WHERE settlement_sees(e.posted_at, e.xid, %(end)s, %(snapshot)s::pg_snapshot)"
        "    AND (%(prev_end)s::timestamptz IS NULL"
        "         OR (NOT settlement_sees(e.posted_at, e.xid, %(prev_end)s,"
        "                                 %(prev_snapshot)s::pg_snapshot)"
        "             AND (e.posted_at > %(prev_end)s"
        "                  OR (e.xid::text)::bigint >= (pg_snapshot_xmin("
        "                         %(prev_snapshot)s::pg_snapshot)::text)::bigint)))",
        {
            "end": batch.period_end,
            "snapshot": batch.snapshot,
            "prev_end": previous[0],
            "prev_snapshot": previous[1],
        },
    )
    # no ANALYZE: the planner sizes a fresh temporary table from its pages, which is enough


async def gather_blocks(conn: Conn, batch: Batch, follows: Batch | None) -> None:
    """The temporary table ``settlement_blocks``: the point blocks the batch bills, by the
    rule of ``gather_covered`` (a block records its posted_at and xid as an entry does)."""
    previous = (None, None) if follows is None else (follows.period_end, follows.snapshot)
    await conn.execute(
        "CREATE TEMP TABLE settlement_blocks ON COMMIT DROP AS"
        " SELECT b.id, b.partner_id, b.points, b.price_per_point FROM point_blocks b"
        "  WHERE settlement_sees(b.posted_at, b.xid, %(end)s, %(snapshot)s::pg_snapshot)"
        "    AND NOT coalesce(settlement_sees(b.posted_at, b.xid, %(prev_end)s::timestamptz,"
        "                                     %(prev_snapshot)s::pg_snapshot), false)",
        {
            "end": batch.period_end,
            "snapshot": batch.snapshot,
            "prev_end": previous[0],
            "prev_snapshot": previous[1],
        },
    )


async def gather_memberships(conn: Conn, batch: Batch, follows: Batch | None) -> None:
    """The temporary table ``settlement_memberships``: the paid memberships the batch bills to
    the partners that sold them, by the rule of ``gather_covered`` (as point blocks)."""
    previous = (None, None) if follows is None else (follows.period_end, follows.snapshot)
    await conn.execute(
        "CREATE TEMP TABLE settlement_memberships ON COMMIT DROP AS"
        " SELECT m.id, m.partner_id, m.price FROM memberships m"
        "  WHERE settlement_sees(m.posted_at, m.xid, %(end)s, %(snapshot)s::pg_snapshot)"
        "    AND NOT coalesce(settlement_sees(m.posted_at, m.xid, %(prev_end)s::timestamptz,"
        "                                     %(prev_snapshot)s::pg_snapshot), false)",
        {
            "end": batch.period_end,
            "snapshot": batch.snapshot,
            "prev_end": previous[0],
            "prev_snapshot": previous[1],
        },
    )


# A PREPAID partner's earns were paid for with its blocks: shown at a unit price of 0. A
# membership counts as one (its "points") at its price. A bonus a partner awarded (BONUS with
# a partner) is points it issued, billed as its earns are; the operator's bonuses (no partner)
# are nobody's to pay but the operator's, through its margin when they are redeemed.
_AGGREGATES = """
SELECT partner_id, kind, adjustment, unit_price, sum(points)::bigint AS points,
       count(*) AS entries
  FROM (SELECT b.partner_id, 'POINT_BLOCK' AS kind, false AS adjustment,
               b.price_per_point AS unit_price, b.points
          FROM settlement_blocks b
        UNION ALL
        SELECT m.partner_id, 'MEMBERSHIP_SOLD', false, m.price, 1
          FROM settlement_memberships m
        UNION ALL
        SELECT c.partner_id, CASE WHEN c.prepaid THEN 'ISSUED_PREPAID' ELSE 'ISSUED' END,
               false, CASE WHEN c.prepaid THEN 0 ELSE c.issue_price END, c.points
          FROM settlement_covered c
         WHERE c.kind IN ('EARN', 'BONUS') AND c.partner_id IS NOT NULL AND c.points > 0
        UNION ALL
        SELECT c.partner_id,
               CASE WHEN c.prepaid THEN 'ISSUE_REVERSED_PREPAID' ELSE 'ISSUE_REVERSED' END,
               {earlier}, CASE WHEN c.prepaid THEN 0 ELSE o.issue_price END, c.points
          FROM settlement_covered c JOIN journal_entries o ON o.id = c.original_entry_id
         WHERE c.kind = 'EARN_REVERSAL' AND c.partner_id IS NOT NULL AND c.points > 0
        UNION ALL
        SELECT c.partner_id, 'REDEEMED', false, c.redemption_value, c.points
          FROM settlement_covered c WHERE c.kind = 'BURN' AND c.points > 0
        UNION ALL
        SELECT c.partner_id, 'REDEMPTION_REFUNDED', {earlier}, o.redemption_value, c.points
          FROM settlement_covered c JOIN journal_entries o ON o.id = c.original_entry_id
         WHERE c.kind = 'BURN_REFUND' AND c.points > 0
        UNION ALL
        SELECT l.issuer_partner_id, 'BREAKAGE_CREDIT', false,
               l.issue_price * %(share)s, lc.points
          FROM settlement_covered c
          JOIN lot_consumptions lc ON lc.entry_id = c.id AND lc.kind = 'EXPIRY'
          JOIN lots l ON l.id = lc.lot_id
         WHERE c.kind = 'EXPIRY' AND l.issuer_partner_id IS NOT NULL) facts
 GROUP BY partner_id, kind, adjustment, unit_price
"""
# a reversal or refund of an entry an earlier batch covered is shown as an adjustment
_EARLIER = (
    "coalesce(settlement_sees(o.posted_at, o.xid, %(prev_end)s::timestamptz,"
    " %(prev_snapshot)s::pg_snapshot), false)"
)


async def aggregates(conn: Conn, follows: Batch | None, share: Decimal) -> list[Aggregate]:
    cur = await conn.execute(
        _AGGREGATES.format(earlier=_EARLIER),
        {
            "share": share,
            "prev_end": None if follows is None else follows.period_end,
            "prev_snapshot": None if follows is None else follows.snapshot,
        },
    )
    return [Aggregate(**row) for row in await cur.fetchall()]


async def flows(conn: Conn) -> list[dict[str, Any]]:
    """The bilateral matrix: points of each issuer redeemed at each redeemer, refunds netted,
    valued at the redeemer's recorded redemption value (of the original burn, for refunds)."""
    cur = await conn.execute(
        "SELECT lc.issuer_partner_id, c.partner_id AS redeemer_partner_id,"
        "       sum(lc.points)::bigint AS points,"
        "       sum(lc.points * c.burn_value) AS exact_amount"
        "  FROM settlement_covered c"
        "  JOIN lot_consumptions lc ON lc.entry_id = c.id AND lc.kind IN ('BURN', 'REFUND')"
        " WHERE c.kind IN ('BURN', 'BURN_REFUND')"
        " GROUP BY lc.issuer_partner_id, c.partner_id"
        " ORDER BY lc.issuer_partner_id NULLS FIRST, c.partner_id"
    )
    return list(await cur.fetchall())


_SHA = "encode(sha256(convert_to(string_agg(id::text, ',' ORDER BY id), 'UTF8')), 'hex')"


async def partner_controls(conn: Conn) -> dict[int, tuple[int, str]]:
    """Per partner: how many entries its statement covers and a SHA-256 over their ids (its
    own entries, and the expiries of points it issued)."""
    cur = await conn.execute(
        f"SELECT partner_id, count(*) AS n, coalesce({_SHA}, '') AS sha FROM ("
        "   SELECT c.id, c.partner_id FROM settlement_covered c WHERE c.partner_id IS NOT NULL"
        "   UNION ALL"  # an expiry has no partner of its own: the two parts never overlap
        "   SELECT DISTINCT c.id, l.issuer_partner_id FROM settlement_covered c"
        "     JOIN lot_consumptions lc ON lc.entry_id = c.id AND lc.kind = 'EXPIRY'"
        "     JOIN lots l ON l.id = lc.lot_id"
        "    WHERE c.kind = 'EXPIRY' AND l.issuer_partner_id IS NOT NULL) mine"
        " GROUP BY partner_id"
    )
    return {row["partner_id"]: (row["n"], row["sha"]) for row in await cur.fetchall()}


_STATEMENT_ENTRIES = """
SELECT c.id, c.kind, c.points, e.posted_at FROM settlement_covered c
  JOIN journal_entries e ON e.id = c.id WHERE c.partner_id = %(partner)s
UNION ALL
SELECT c.id, c.kind, sum(lc.points)::bigint, e.posted_at FROM settlement_covered c
  JOIN journal_entries e ON e.id = c.id
  JOIN lot_consumptions lc ON lc.entry_id = c.id AND lc.kind = 'EXPIRY'
  JOIN lots l ON l.id = lc.lot_id AND l.issuer_partner_id = %(partner)s
 WHERE c.kind = 'EXPIRY' GROUP BY c.id, c.kind, e.posted_at
ORDER BY 1
"""


async def statement_entries(
    conn: Conn, batch: Batch, partner_id: int
) -> AsyncIterator[dict[str, Any]]:
    """The entries a partner's statement covers, in id order (their ids, comma-separated,
    hash to its ``entries_sha256``); for an expiry, the points of the partner's lots. Streamed
    from a server-side cursor; the caller holds a transaction open meanwhile."""
    follows = None if batch.follows_batch_id is None else await get(conn, batch.follows_batch_id)
    await gather_covered(conn, batch, follows)
    async with conn.cursor(name=f"statement_entries_{batch.id}_{partner_id}") as cur:
        await cur.execute(_STATEMENT_ENTRIES, {"partner": partner_id})
        async for row in cur:
            yield row


async def batch_controls(conn: Conn) -> tuple[int, str]:
    cur = await conn.execute(
        f"SELECT count(*) AS n, coalesce({_SHA}, '') AS sha FROM settlement_covered"
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"]), str(row["sha"])


async def billing_of(conn: Conn, partner_ids: Sequence[int]) -> dict[int, str]:
    cur = await conn.execute(
        "SELECT id, billing FROM partners WHERE id = ANY(%s)", (list(partner_ids),)
    )
    return {row["id"]: row["billing"] for row in await cur.fetchall()}


async def write_statements(
    conn: Conn,
    batch_id: int,
    statements: list[Statement],
    controls: dict[int, tuple[int, str]],
    billing: dict[int, str],
) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO settlement_statements (batch_id, partner_id, billing, issued_points,"
            " reversed_points, redeemed_points, refunded_points, expired_points, exact_net,"
            " net_amount, rounding_difference, entries_count, entries_sha256, bought_points,"
            " memberships_sold) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
            " %s)",
            [
                (
                    batch_id,
                    s.partner_id,
                    billing[s.partner_id],
                    *(s.points[name] for name in ("issued", "reversed", "redeemed")),
                    *(s.points[name] for name in ("refunded", "expired")),
                    s.exact_net,
                    s.net,
                    s.rounding_difference,
                    *controls.get(s.partner_id, (0, "")),
                    s.points["bought"],
                    s.points["memberships"],
                )
                for s in statements
            ],
        )
        await cur.executemany(
            "INSERT INTO settlement_lines (batch_id, partner_id, line_no, kind, adjustment,"
            " unit_price, points, exact_amount, amount, entries_count)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    batch_id,
                    s.partner_id,
                    line.line_no,
                    line.kind,
                    line.adjustment,
                    line.unit_price,
                    line.points,
                    line.exact_amount,
                    line.amount,
                    line.entries,
                )
                for s in statements
                for line in s.lines
            ],
        )


async def write_flows(conn: Conn, batch_id: int, rows: list[dict[str, Any]]) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO settlement_flows (batch_id, flow_no, issuer_partner_id,"
            " redeemer_partner_id, points, exact_amount) VALUES (%s, %s, %s, %s, %s, %s)",
            [
                (
                    batch_id,
                    number,
                    row["issuer_partner_id"],
                    row["redeemer_partner_id"],
                    row["points"],
                    row["exact_amount"],
                )
                for number, row in enumerate(rows, start=1)
            ],
        )


async def write_payments(conn: Conn, batch_id: int, payments: list[Payment]) -> None:
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO settlement_payments (batch_id, payment_no, payer_partner_id,"
            " payee_partner_id, amount) VALUES (%s, %s, %s, %s, %s)",
            [
                (batch_id, number, payment.payer, payment.payee, payment.amount)
                for number, payment in enumerate(payments, start=1)
            ],
        )


async def write_totals(
    conn: Conn, batch_id: int, *, entries: tuple[int, str], margin: Decimal, rounding: Decimal
) -> Batch:
    cur = await conn.execute(
        "UPDATE settlement_batches SET entries_count = %s, entries_sha256 = %s,"
        " operator_margin = %s, rounding_difference = %s WHERE id = %s RETURNING *",
        (*entries, margin, rounding, batch_id),
    )
    batch = _batch(await cur.fetchone())
    assert batch is not None
    return batch


async def set_status(conn: Conn, batch_id: int, status: str, **fields: Any) -> Batch:
    """Move the batch on (the database refuses any move but DRAFT -> APPROVED | DISCARDED and
    APPROVED -> PAID)."""
    columns = "".join(f", {name} = %({name})s" for name in fields)
    cur = await conn.execute(
        f"UPDATE settlement_batches SET status = %(status)s{columns} WHERE id = %(id)s RETURNING *",
        {"status": status, "id": batch_id, **fields},
    )
    batch = _batch(await cur.fetchone())
    assert batch is not None
    return batch


async def statement_rows(
    conn: Conn, batch_id: int, partner_id: int | None = None
) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT s.*, p.code AS partner_code, p.name AS partner_name"
        "  FROM settlement_statements s JOIN partners p ON p.id = s.partner_id"
        " WHERE s.batch_id = %s AND (%s::bigint IS NULL OR s.partner_id = %s)"
        " ORDER BY p.code",
        (batch_id, partner_id, partner_id),
    )
    return list(await cur.fetchall())


async def line_rows(
    conn: Conn, batch_id: int, partner_id: int | None = None
) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT l.*, p.code AS partner_code"
        "  FROM settlement_lines l JOIN partners p ON p.id = l.partner_id"
        " WHERE l.batch_id = %s AND (%s::bigint IS NULL OR l.partner_id = %s)"
        " ORDER BY p.code, l.line_no",
        (batch_id, partner_id, partner_id),
    )
    return list(await cur.fetchall())


async def flow_rows(
    conn: Conn, batch_id: int, partner_id: int | None = None
) -> list[dict[str, Any]]:
    """The matrix, or the partner's row and column of it."""
    cur = await conn.execute(
        "SELECT f.*, i.code AS issuer_code, r.code AS redeemer_code"
        "  FROM settlement_flows f LEFT JOIN partners i ON i.id = f.issuer_partner_id"
        "  JOIN partners r ON r.id = f.redeemer_partner_id"
        " WHERE f.batch_id = %s AND (%s::bigint IS NULL OR f.issuer_partner_id = %s"
        "                            OR f.redeemer_partner_id = %s)"
        " ORDER BY f.flow_no",
        (batch_id, partner_id, partner_id, partner_id),
    )
    return list(await cur.fetchall())


async def payment_rows(
    conn: Conn, batch_id: int, partner_id: int | None = None
) -> list[dict[str, Any]]:
    cur = await conn.execute(
        "SELECT t.*, a.code AS payer_code, b.code AS payee_code"
        "  FROM settlement_payments t LEFT JOIN partners a ON a.id = t.payer_partner_id"
        "  LEFT JOIN partners b ON b.id = t.payee_partner_id"
        " WHERE t.batch_id = %s AND (%s::bigint IS NULL OR t.payer_partner_id = %s"
        "                            OR t.payee_partner_id = %s)"
        " ORDER BY t.payment_no",
        (batch_id, partner_id, partner_id, partner_id),
    )
    return list(await cur.fetchall())
