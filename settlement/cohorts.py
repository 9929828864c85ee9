"""Cohort retention by enrolment month: of the members enrolled in each month, how many were
active (an EARN or a BURN) in that month and in each month after it, up to the end of the
report's period - a triangle. Months are calendar months in UTC.

The cohorts are the months from the one the period starts in to the one it ends in; a
partner's cohorts are the members it enrolled, active at it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from exchange.kit.db import Conn

from .kpis import Period
from .ratios import Ratio


@dataclass(frozen=True)
class Cohort:
    month: datetime
    """The first instant (UTC) of the month its members enrolled in."""
    members: int
    active: tuple[int, ...]
    """Members active in the enrolment month (index 0) and in each month after it."""

    def retention(self, offset: int) -> Ratio:
        return Ratio.of(self.active[offset], self.members)

    @property
    def months(self) -> list[datetime]:
        """The month each count of ``active`` is for."""
        return [add_months(self.month, offset) for offset in range(len(self.active))]


def month_start(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def add_months(first: datetime, count: int) -> datetime:
    """The start of the month ``count`` months after the month starting at ``first``."""
    index = first.month - 1 + count
    return first.replace(year=first.year + index // 12, month=index % 12 + 1)


def months_of(period: Period) -> list[datetime]:
    """The first instants of the months the period touches, in order."""
    months = [month_start(period.start)]
    last = month_start(period.end - timedelta(microseconds=1))
    while months[-1] < last:
        months.append(add_months(months[-1], 1))
    return months


def _offset(cohort: datetime, month: datetime) -> int:
    return (month.year - cohort.year) * 12 + month.month - cohort.month


_ENROLLED = """
SELECT date_trunc('month', m.created_at, 'UTC') AS month, count(*) AS members
  FROM members m
 WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR m.enrolled_by_partner_id = %(partner)s)
 GROUP BY 1
"""

_ACTIVE = """
SELECT date_trunc('month', m.created_at, 'UTC') AS cohort,
       date_trunc('month', e.posted_at, 'UTC') AS month, count(DISTINCT e.member_id) AS active
  FROM members m JOIN journal_entries e ON e.member_id = m.id
 WHERE m.created_at >= %(start)s AND m.created_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR m.enrolled_by_partner_id = %(partner)s)
   AND e.kind IN ('EARN', 'BURN') AND e.posted_at >= %(start)s AND e.posted_at < %(end)s
   AND (%(partner)s::bigint IS NULL OR e.partner_id = %(partner)s)
 GROUP BY 1, 2
"""


async def cohorts(conn: Conn, period: Period, partner_id: int | None = None) -> list[Cohort]:
    """One cohort per month of the period (none enrolled: 0 members), oldest first; each
    with a count for every month from its own to the period's last."""
    months = months_of(period)
    params = {"start": months[0], "end": period.end, "partner": partner_id}
    cur = await conn.execute(_ENROLLED, params)
    enrolled = {row["month"]: int(row["members"]) for row in await cur.fetchall()}
    active = {month: [0] * (len(months) - index) for index, month in enumerate(months)}
    cur = await conn.execute(_ACTIVE, params)
    for row in await cur.fetchall():
        offset = _offset(row["cohort"], row["month"])
        if 0 <= offset < len(active[row["cohort"]]):
            active[row["cohort"]][offset] = int(row["active"])
    return [Cohort(month, enrolled.get(month, 0), tuple(active[month])) for month in months]
