"""A member's own history, newest first, a page at a time (keyset on the entry id), filtered
by partner and kind; each line with the points it added or took (from the member's posting)
and, for points that arrived, who funded them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn

KINDS = (
    "EARN",
    "EARN_REVERSAL",
    "BURN",
    "BURN_REFUND",
    "TRANSFER_IN",
    "TRANSFER_OUT",
    "EXPIRY",
    "ADJUSTMENT",
    "BONUS",
)


@dataclass(frozen=True)
class Line:
    id: int
    kind: str
    points: int
    """Always positive, as on the entry."""
    change: int
    """What the line did to the balance: positive in, negative out."""
    partner_id: int | None
    partner_name: str | None
    reason: str
    amount: Decimal | None
    currency: str | None
    order_id: str | None
    occurred_at: datetime
    posted_at: datetime
    purpose: str | None = None
    """What a transfer was for (``POOL_CONTRIBUTION``); None: a gift to another member."""
    funded_by: tuple[str, ...] = ()
    """Who paid for points that arrived: the earn's partner, the issuers of transferred
    lots, or nobody named (the operator, for a bonus)."""
    conversion: dict[str, Any] | None = None
    """An earn or burn that converted points with a partner's program: its ``direction``,
    ``currency`` and ``amount`` (the entry's details)."""


@dataclass(frozen=True)
class Page:
    lines: list[Line]
    newer: int | None
    """The cursor of a newer page (``after``), if there is one."""
    older: int | None
    """The cursor of an older page (``before``), if there is one."""


@dataclass(frozen=True)
class Filters:
    partner_id: int | None = None
    kind: str | None = None


_COLUMNS = (
    "e.id, e.kind, e.points, e.partner_id, p.name AS partner_name, e.reason, e.amount,"
    " e.currency, e.order_id, e.occurred_at, e.posted_at, e.details ->> 'purpose' AS purpose,"
    " e.details -> 'conversion' AS conversion,"
    " coalesce((SELECT ps.points FROM postings ps WHERE ps.entry_id = e.id"
    "   AND ps.account_id = b.account_id), 0)::bigint AS change"
)


async def page(
    conn: Conn,
    member_id: int,
    *,
    filters: Filters = Filters(),
    before: int | None = None,
    after: int | None = None,
    size: int = 20,
) -> Page:
    """``size`` lines older than ``before`` (or newer than ``after``; else the newest)."""
    where, params = _where(member_id, filters)
    order = "DESC"
    if after is not None:
        where.append("e.id > %(after)s")
        params["after"], order = after, "ASC"
    elif before is not None:
        where.append("e.id < %(before)s")
        params["before"] = before
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM journal_entries e"
        " JOIN member_balances b ON b.member_id = e.member_id"
        " LEFT JOIN partners p ON p.id = e.partner_id"
        f" WHERE {' AND '.join(where)} ORDER BY e.id {order} LIMIT %(limit)s",
        {**params, "limit": size + 1},
    )
    rows = list(await cur.fetchall())
    more = len(rows) > size
    rows = rows[:size]
    if order == "ASC":
        rows.reverse()
    lines = await _funded(conn, [Line(**row) for row in rows])
    first_page = after is None and before is None
    newer = None if first_page or (order == "ASC" and not more) else _first_id(lines)
    older = None if order == "DESC" and not more else _last_id(lines)
    return Page(lines=lines, newer=newer, older=older)


def _where(member_id: int, filters: Filters) -> tuple[list[str], dict[str, Any]]:
    where = ["e.member_id = %(member)s"]
    params: dict[str, Any] = {"member": member_id}
    if filters.partner_id is not None:
        where.append("e.partner_id = %(partner)s")
        params["partner"] = filters.partner_id
    if filters.kind is not None:
        where.append("e.kind = %(kind)s")
        params["kind"] = filters.kind
    return where, params


def _first_id(lines: list[Line]) -> int | None:
    return lines[0].id if lines else None


def _last_id(lines: list[Line]) -> int | None:
    return lines[-1].id if lines else None


async def _funded(conn: Conn, lines: list[Line]) -> list[Line]:
    """Name the funders: an earn's partner; for a transfer in, the issuers of the lots that
    left the sender (read from the TRANSFER consumptions of its TRANSFER_OUT)."""
    transfers = [line.id for line in lines if line.kind == "TRANSFER_IN"]
    issuers: dict[int, tuple[str, ...]] = {}
    if transfers:
        cur = await conn.execute(
            "SELECT i.id, array_agg(DISTINCT coalesce(p.name, '')) AS names"
            " FROM journal_entries i JOIN lot_consumptions c ON c.entry_id = i.original_entry_id"
            "  AND c.kind = 'TRANSFER' JOIN lots l ON l.id = c.lot_id"
            " LEFT JOIN partners p ON p.id = l.issuer_partner_id"
            " WHERE i.id = ANY(%s) GROUP BY i.id",
            (transfers,),
        )
        issuers = {row["id"]: tuple(sorted(row["names"])) for row in await cur.fetchall()}
    return [_with_funders(line, issuers) for line in lines]


def _with_funders(line: Line, issuers: dict[int, tuple[str, ...]]) -> Line:
    if line.kind in ("EARN", "BONUS") and line.partner_name:
        funded: tuple[str, ...] = (line.partner_name,)
    elif line.kind == "TRANSFER_IN":
        funded = issuers.get(line.id, ())
    elif line.kind == "BONUS":
        funded = ("",)
    else:
        return line
    return Line(**{**line.__dict__, "funded_by": funded})


async def line(conn: Conn, member_id: int, entry_id: int) -> Line | None:
    """One of the member's own lines; another member's entry is not found."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM journal_entries e"
        " JOIN member_balances b ON b.member_id = e.member_id"
        " LEFT JOIN partners p ON p.id = e.partner_id"
        " WHERE e.id = %s AND e.member_id = %s",
        (entry_id, member_id),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    (found,) = await _funded(conn, [Line(**row)])
    return found
