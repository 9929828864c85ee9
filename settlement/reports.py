"""Finance reports over the whole ledger (contract section 11): what members still hold,
by issuer and by expiry month, with its value at the recorded issue prices; and breakage.

Everything is as of an instant, rebuilt from facts that never change: a lot counts once its
entry was posted, a consumption (burn, expiry, reversal, debt; refunds give back) once its
entry was posted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Conn


@dataclass(frozen=True)
class Outstanding:
    issuer_partner_id: int | None
    """None: points the operator issued (bonuses)."""
    issuer_code: str | None
    expiry_month: datetime | None
    """The first instant of the month the points expire in; None: they never do."""
    points: int
    value: Decimal


@dataclass(frozen=True)
class Breakage:
    issuer_partner_id: int | None
    issuer_code: str | None
    points: int
    value: Decimal


_OUTSTANDING = """
WITH taken AS (
    SELECT c.lot_id, sum(c.points) AS points
      FROM lot_consumptions c JOIN journal_entries ce ON ce.id = c.entry_id
     WHERE ce.posted_at <= %(as_of)s
     GROUP BY c.lot_id
), held AS (
    SELECT l.issuer_partner_id, l.expires_at, l.issue_price,
           l.points - coalesce(t.points, 0) AS remaining
      FROM lots l
      JOIN journal_entries e ON e.id = l.entry_id AND e.posted_at <= %(as_of)s
      LEFT JOIN taken t ON t.lot_id = l.id
)
SELECT h.issuer_partner_id, p.code AS issuer_code,
       date_trunc('month', h.expires_at, 'UTC') AS expiry_month,
       sum(h.remaining)::bigint AS points,
       sum(h.remaining * coalesce(h.issue_price, 0)) AS value
  FROM held h LEFT JOIN partners p ON p.id = h.issuer_partner_id
 WHERE h.remaining > 0
 GROUP BY h.issuer_partner_id, p.code, 3
 ORDER BY p.code NULLS FIRST, 3 NULLS LAST
"""

_BREAKAGE = """
SELECT l.issuer_partner_id, p.code AS issuer_code, sum(c.points)::bigint AS points,
       sum(c.points * coalesce(l.issue_price, 0)) AS value
  FROM lot_consumptions c
  JOIN journal_entries e ON e.id = c.entry_id AND e.posted_at <= %(as_of)s
  JOIN lots l ON l.id = c.lot_id
  LEFT JOIN partners p ON p.id = l.issuer_partner_id
 WHERE c.kind = 'EXPIRY'
 GROUP BY l.issuer_partner_id, p.code
 ORDER BY p.code NULLS FIRST
"""


async def outstanding(conn: Conn, *, as_of: datetime) -> list[Outstanding]:
    cur = await conn.execute(_OUTSTANDING, {"as_of": as_of})
    return [Outstanding(**row) for row in await cur.fetchall()]


async def breakage(conn: Conn, *, as_of: datetime) -> list[Breakage]:
    cur = await conn.execute(_BREAKAGE, {"as_of": as_of})
    return [Breakage(**row) for row in await cur.fetchall()]
