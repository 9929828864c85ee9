"""Taking the member's lock, and refusing members that cannot move points."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import repository as repo
from exchange.ledger.errors import MemberClosed, MemberNotFound
from exchange.ledger.lots import LotTotals, OpenLot, totals


async def lock_active_member(
    conn: Conn, member_id: int, partner_id: int | None
) -> repo.LockedMember:
    member = await repo.lock_member(conn, member_id, partner_id)
    if member is None or not member.shown_to_partner:
        raise MemberNotFound("no member with this id", field=["memberId"])
    if member.status != "ACTIVE":
        raise MemberClosed("this member's account is closed", field=["memberId"])
    return member


def available(member: repo.LockedMember, lot_totals: LotTotals) -> int:
    """Points a member may spend now: spendable lots less holds and debt, never below zero."""
    return max(0, lot_totals.spendable - member.held - member.debt)


async def lots_and_totals(
    conn: Conn, member_id: int, now: datetime
) -> tuple[list[OpenLot], LotTotals]:
    lots = await repo.open_lots(conn, member_id)
    return lots, totals(lots, now)
