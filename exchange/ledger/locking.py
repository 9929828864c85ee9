"""Taking the member's lock, and refusing members that cannot move points."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import repository as repo
from exchange.ledger.lots import LotTotals, OpenLot, totals

lock_active_member = repo.lock_active_member


def available(member: repo.LockedMember, lot_totals: LotTotals) -> int:
    """Points a member may spend now: spendable lots less holds and debt, never below zero."""
    return max(0, lot_totals.spendable - member.held - member.debt)


async def lots_and_totals(
    conn: Conn, member_id: int, now: datetime
) -> tuple[list[OpenLot], LotTotals]:
    lots = await repo.open_lots(conn, member_id)
    return lots, totals(lots, now)
