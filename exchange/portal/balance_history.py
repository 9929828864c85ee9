"""The balance over time: the member's closing balance each day, from its postings (the
ledger's own record of every change), walked back from the balance now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from exchange.kit.db import Conn


@dataclass(frozen=True)
class Point:
    day: date
    balance: int
    """The balance at the end of that day (UTC)."""


async def daily_changes(
    conn: Conn, member_id: int, *, since: datetime
) -> tuple[int, dict[date, int]]:
    """The balance now, and the net change of each UTC day from ``since`` on."""
    cur = await conn.execute(
        "SELECT (e.posted_at AT TIME ZONE 'UTC')::date AS day, sum(p.points)::bigint AS change"
        " FROM journal_entries e JOIN member_balances b ON b.member_id = e.member_id"
        " JOIN postings p ON p.entry_id = e.id AND p.account_id = b.account_id"
        " WHERE e.member_id = %s AND e.posted_at >= %s GROUP BY 1",
        (member_id, since),
    )
    changes = {row["day"]: int(row["change"]) for row in await cur.fetchall()}
    cur = await conn.execute(
        "SELECT balance FROM member_balances WHERE member_id = %s", (member_id,)
    )
    row = await cur.fetchone()
    return (0 if row is None else int(row["balance"])), changes


def series(balance_now: int, changes: dict[date, int], *, first: date, last: date) -> list[Point]:
    """Closing balances from ``first`` to ``last``, walking back from ``balance_now`` (the
    closing balance of ``last``; later changes must not be in ``changes``)."""
    points, balance, day = [], balance_now, last
    while day >= first:
        points.append(Point(day, balance))
        balance -= changes.get(day, 0)
        day -= timedelta(days=1)
    points.reverse()
    return points


async def balance_series(conn: Conn, member_id: int, *, now: datetime, days: int) -> list[Point]:
    last = now.date()
    first = last - timedelta(days=days - 1)
    since = datetime.combine(first, datetime.min.time(), tzinfo=now.tzinfo)
    balance_now, changes = await daily_changes(conn, member_id, since=since)
    return series(balance_now, changes, first=first, last=last)
