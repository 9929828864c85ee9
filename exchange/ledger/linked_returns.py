"""Entries posted with an earn, taken back with it: a campaign's BONUS entries (their
``original_entry_id`` is the earn). When the earn is returned, the rules layer says what each
gives back (a ``LinkedPricer``); each is taken back by an EARN_REVERSAL of its own (original:
the BONUS entry), from its own lot first, then the member's other lots, the rest a debt, as
the earn's reversal is, under the same member lock and in the same transaction."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.ledger import repository as repo
from exchange.ledger.lots import plan_reversal


@dataclass(frozen=True)
class Linked:
    """An entry posted with the earn, and what earlier returns took back of it."""

    entry_id: int
    partner_id: int | None
    """Its issuer (None: the operator)."""
    points: int
    taken: int
    prepaid: bool
    reason: str
    details: dict[str, Any]


@dataclass(frozen=True)
class ReturnSoFar:
    """The earn's returns, this one last: each one's amount and details (its lines)."""

    purchase: Decimal
    returns: tuple[tuple[Decimal, dict[str, Any] | None], ...]
    complete: bool
    """Nothing is left of the purchase after this return."""


LinkedPricer = Callable[[ReturnSoFar, Sequence[Linked]], dict[int, int]]
"""What this return takes back of each linked entry (by entry id; absent: nothing)."""


@dataclass(frozen=True)
class Taken:
    points: int = 0
    debt: int = 0
    prepaid_points: int = 0
    """Of ``points``, those a PREPAID partner drew from its blocks (they go back to them)."""


async def linked_to(conn: Conn, earn_id: int) -> list[Linked]:
    cur = await conn.execute(
        "SELECT b.id AS entry_id, b.partner_id, b.points, b.prepaid, b.reason, b.details,"
        " coalesce((SELECT sum(r.points) FROM journal_entries r WHERE r.original_entry_id = b.id"
        "   AND r.kind = 'EARN_REVERSAL'), 0)::bigint AS taken"
        " FROM journal_entries b WHERE b.original_entry_id = %s AND b.kind = 'BONUS'"
        " ORDER BY b.id",
        (earn_id,),
    )
    return [Linked(**{**row, "details": row["details"] or {}}) for row in await cur.fetchall()]


async def returns_of(conn: Conn, earn_id: int) -> list[tuple[Decimal, dict[str, Any] | None]]:
    cur = await conn.execute(
        "SELECT amount, details FROM journal_entries WHERE original_entry_id = %s"
        " AND kind = 'EARN_REVERSAL' ORDER BY id",
        (earn_id,),
    )
    return [(Decimal(row["amount"] or 0), row["details"]) for row in await cur.fetchall()]


async def _take_one(
    conn: Conn, linked: Linked, points: int, member: repo.LockedMember, now: datetime
) -> int:
    """Post the EARN_REVERSAL of ``points`` of the linked entry; returns the debt it left."""
    entry_id = await repo.insert_entry(
        conn,
        kind="EARN_REVERSAL",
        member_id=member.member_id,
        partner_id=linked.partner_id,
        points=points,
        occurred_at=now,
        posted_at=now,
        reason=f"Return: {linked.reason}",
        original_entry_id=linked.entry_id,
        prepaid=linked.prepaid,
    )
    await repo.post_pair(
        conn,
        entry_id=entry_id,
        member_account_id=member.account_id,
        points=-points,
        partner_id=linked.partner_id,
        counter_kind="OPERATOR_BONUS" if linked.partner_id is None else "PARTNER_ISSUED",
    )
    lots = await repo.open_lots(conn, member.member_id)
    takes, debt = plan_reversal(
        lots, points, own_entry_id=linked.entry_id, held=member.held, now=now
    )
    await repo.consume(
        conn,
        entry_id=entry_id,
        member_id=member.member_id,
        kind="REVERSAL",
        takes=takes,
        redeemer_partner_id=None,
    )
    return debt


async def take_back(
    conn: Conn,
    pricer: LinkedPricer | None,
    so_far: ReturnSoFar,
    *,
    earn_id: int,
    member: repo.LockedMember,
    now: datetime,
) -> Taken:
    """Take back what this return takes of the entries linked to the earn (the member's
    balance row is changed by the caller, once)."""
    if pricer is None:
        return Taken()
    linked = await linked_to(conn, earn_id)
    if not linked:
        return Taken()
    priced = pricer(so_far, linked)
    points = debt = prepaid = 0
    for entry in linked:
        taking = min(priced.get(entry.entry_id, 0), entry.points - entry.taken)
        if taking <= 0:
            continue
        debt += await _take_one(conn, entry, taking, member, now)
        points += taking
        prepaid += taking if entry.prepaid else 0
    return Taken(points, debt, prepaid)
