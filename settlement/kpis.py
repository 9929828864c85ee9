"""The program's figures for a period [start, end) (contract section 11), per partner and for
the coalition, set-based: points issued, redeemed and expired with their value at the prices
recorded on the ledger, members active, purchases, churn against the previous period of the
same length, and the net promoter score.

Ledger facts count by when they were posted (``posted_at``), as settlement and the liability
report count them; survey answers by ``answered_at``. Every query groups by partner and, in
the same pass, for the whole coalition (``GROUPING SETS``): a member active at two partners
is one active member of the coalition. Shares stay exact (see ``ratios``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput

from .ratios import Ratio

MAX_SPAN = timedelta(days=1096)
"""Three years (one of them a leap year)."""


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    @property
    def previous(self) -> Period:
        """The period of the same length just before this one (for churn)."""
        return Period(self.start - (self.end - self.start), self.start)


def check_period(start: datetime, end: datetime) -> Period:
    for name, moment in (("from", start), ("to", end)):
        if moment.tzinfo is None:
            raise InvalidInput(f"{name} needs a time zone offset", field=[name])
    if start >= end:
        raise InvalidInput("from must be before to", field=["to"])
    if end - start > MAX_SPAN:
        raise InvalidInput(
            f"a report spans at most {MAX_SPAN.days} days (three years)", field=["to"]
        )
    return Period(start.astimezone(UTC), end.astimezone(UTC))


@dataclass
class Figures:
    """One partner's figures for the period (``partner_id`` None: the coalition's)."""

    partner_id: int | None
    partner_code: str | None
    points_issued: int = 0
    issued_value: Decimal = Decimal(0)
    points_redeemed: int = 0
    redeemed_value: Decimal = Decimal(0)
    points_expired: int = 0
    breakage_value: Decimal = Decimal(0)
    outstanding_points: int = 0
    outstanding_value: Decimal = Decimal(0)
    active_members: int = 0
    previously_active: int = 0
    churned: int = 0
    purchases: int = 0
    baskets: int = 0
    """EARN entries that record a purchase amount (all do, from the API and imports)."""
    purchase_amount: Decimal = Decimal(0)
    answers: int = 0
    promoters: int = 0
    detractors: int = 0

    @property
    def average_basket(self) -> Ratio:
        return Ratio.of(self.purchase_amount, self.baskets)

    @property
    def frequency(self) -> Ratio:
        """Purchases (EARN entries) per active member."""
        return Ratio.of(self.purchases, self.active_members)

    @property
    def churn(self) -> Ratio:
        return Ratio.of(self.churned, self.previously_active)

    @property
    def nps(self) -> Ratio:
        """(promoters - detractors) / answers; shown as a percentage."""
        return Ratio.of(self.promoters - self.detractors, self.answers)

    @property
    def passives(self) -> int:
        return self.answers - self.promoters - self.detractors

    def add(self, row: dict[str, Any]) -> None:
        for name, value in row.items():
            if name not in ("partner_id", "coalition"):
                setattr(self, name, value)


_POINTS = """
SELECT partner_id, grouping(partner_id) = 1 AS coalition,
       coalesce(sum(points) FILTER (WHERE side = 'I'), 0)::bigint AS points_issued,
       coalesce(sum(value) FILTER (WHERE side = 'I'), 0) AS issued_value,
       coalesce(sum(points) FILTER (WHERE side = 'R'), 0)::bigint AS points_redeemed,
       coalesce(sum(value) FILTER (WHERE side = 'R'), 0) AS redeemed_value,
       coalesce(sum(points) FILTER (WHERE side = 'X'), 0)::bigint AS points_expired,
       coalesce(sum(value) FILTER (WHERE side = 'X'), 0) AS breakage_value
  FROM (SELECT e.partner_id, 'I' AS side, e.points, e.points * coalesce(e.issue_price, 0) AS value
          FROM journal_entries e
         WHERE e.kind IN ('EARN', 'BONUS') AND e.posted_at >= %(start)s
           AND e.posted_at < %(end)s
        UNION ALL
        SELECT e.partner_id, 'I', -e.points, -e.points * coalesce(o.issue_price, 0)
          FROM journal_entries e JOIN journal_entries o ON o.id = e.original_entry_id
         WHERE e.kind = 'EARN_REVERSAL' AND e.posted_at >= %(start)s AND e.posted_at < %(end)s
        UNION ALL
        SELECT e.partner_id, 'R', e.points, e.points * coalesce(e.redemption_value, 0)
          FROM journal_entries e
         WHERE e.kind = 'BURN' AND e.posted_at >= %(start)s AND e.posted_at < %(end)s
        UNION ALL
        SELECT e.partner_id, 'R', -e.points, -e.points * coalesce(o.redemption_value, 0)
          FROM journal_entries e JOIN journal_entries o ON o.id = e.original_entry_id
         WHERE e.kind = 'BURN_REFUND' AND e.posted_at >= %(start)s AND e.posted_at < %(end)s
        UNION ALL
        SELECT l.issuer_partner_id, 'X', c.points, c.points * coalesce(l.issue_price, 0)
          FROM lot_consumptions c
          JOIN journal_entries e ON e.id = c.entry_id
          JOIN lots l ON l.id = c.lot_id
         WHERE c.kind = 'EXPIRY' AND e.posted_at >= %(start)s AND e.posted_at < %(end)s) facts
 WHERE %(partner)s::bigint IS NULL OR partner_id = %(partner)s
 GROUP BY GROUPING SETS ((partner_id), ())
"""

_ACTIVITY = """
WITH acts AS (
    SELECT e.partner_id, e.member_id, e.posted_at >= %(start)s AS now
      FROM journal_entries e
     WHERE e.kind IN ('EARN', 'BURN') AND e.posted_at >= %(previous)s AND e.posted_at < %(end)s
       AND (%(partner)s::bigint IS NULL OR e.partner_id = %(partner)s)
), members AS (
    SELECT partner_id, grouping(partner_id) = 1 AS coalition, member_id,
           bool_or(now) AS now, bool_or(NOT now) AS before
      FROM acts GROUP BY GROUPING SETS ((partner_id, member_id), (member_id))
)
SELECT partner_id, coalition, count(*) FILTER (WHERE now) AS active_members,
       count(*) FILTER (WHERE before) AS previously_active,
       count(*) FILTER (WHERE before AND NOT now) AS churned
  FROM members GROUP BY partner_id, coalition
"""

_PURCHASES = """
SELECT e.partner_id, grouping(e.partner_id) = 1 AS coalition, count(*) AS purchases,
       count(e.amount) AS baskets, coalesce(sum(e.amount), 0) AS purchase_amount
  FROM journal_entries e
 WHERE e.kind = 'EARN' AND e.posted_at >= %(start)s AND e.posted_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR e.partner_id = %(partner)s)
 GROUP BY GROUPING SETS ((e.partner_id), ())
"""

_NPS = """
SELECT s.partner_id, grouping(s.partner_id) = 1 AS coalition, count(*) AS answers,
       count(*) FILTER (WHERE s.score >= 9) AS promoters,
       count(*) FILTER (WHERE s.score <= 6) AS detractors
  FROM survey_answers s
 WHERE s.answered_at >= %(start)s AND s.answered_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR s.partner_id = %(partner)s)
 GROUP BY GROUPING SETS ((s.partner_id), ())
"""

_OUTSTANDING = """
WITH taken AS (
    SELECT c.lot_id, sum(c.points) AS points
      FROM lot_consumptions c JOIN journal_entries ce ON ce.id = c.entry_id
     WHERE ce.posted_at < %(end)s
     GROUP BY c.lot_id
), held AS (
    SELECT l.issuer_partner_id AS partner_id, l.points - coalesce(t.points, 0) AS points,
           l.issue_price
      FROM lots l
      JOIN journal_entries e ON e.id = l.entry_id AND e.posted_at < %(end)s
      LEFT JOIN taken t ON t.lot_id = l.id
     WHERE %(partner)s::bigint IS NULL OR l.issuer_partner_id = %(partner)s
)
SELECT partner_id, grouping(partner_id) = 1 AS coalition,
       coalesce(sum(points), 0)::bigint AS outstanding_points,
       coalesce(sum(points * coalesce(issue_price, 0)), 0) AS outstanding_value
  FROM held WHERE points > 0
 GROUP BY GROUPING SETS ((partner_id), ())
"""


async def _partners(conn: Conn, partner_id: int | None) -> dict[int, Figures]:
    cur = await conn.execute(
        "SELECT id, code FROM partners WHERE %(p)s::bigint IS NULL OR id = %(p)s ORDER BY code",
        {"p": partner_id},
    )
    return {row["id"]: Figures(row["id"], row["code"]) for row in await cur.fetchall()}


async def figures(
    conn: Conn, period: Period, partner_id: int | None = None
) -> tuple[list[Figures], Figures]:
    """Every partner's figures (or one partner's) in code order, and the coalition's (with a
    partner given: that partner's again). Points the operator issued count for the coalition
    only. Run it in one REPEATABLE READ transaction, so the queries see the same ledger."""
    rows = await _partners(conn, partner_id)
    coalition = Figures(None, None)
    params = {
        "start": period.start,
        "end": period.end,
        "previous": period.previous.start,
        "partner": partner_id,
    }
    for sql in (_POINTS, _ACTIVITY, _PURCHASES, _NPS, _OUTSTANDING):
        cur = await conn.execute(sql, params)
        for row in await cur.fetchall():
            target = coalition if row["coalition"] else rows.get(row["partner_id"])
            if target is not None:  # None: the operator's own points (bonuses)
                target.add(row)
    return list(rows.values()), coalition
