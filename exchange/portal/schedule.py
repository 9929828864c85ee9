"""The expiry schedule: the member's lots that still hold points, earliest expiry first, each
with its issuer (an empty name: the operator) and when it became or becomes available."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn


@dataclass(frozen=True)
class LotLine:
    id: int
    issuer: str | None
    points: int
    remaining: int
    earned_at: datetime
    available_at: datetime
    expires_at: datetime | None

    def state(self, now: datetime) -> str:
        """``pending``, ``available`` or ``expired`` (due, awaiting the expiry run)."""
        if self.available_at > now:
            return "pending"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "available"


async def open_lots(conn: Conn, member_id: int) -> list[LotLine]:
    cur = await conn.execute(
        "SELECT l.id, p.name AS issuer, l.points, l.remaining, l.earned_at, l.available_at,"
        " l.expires_at FROM lots l LEFT JOIN partners p ON p.id = l.issuer_partner_id"
        " WHERE l.member_id = %s AND l.remaining > 0"
        " ORDER BY l.expires_at NULLS LAST, l.id",
        (member_id,),
    )
    return [LotLine(**row) for row in await cur.fetchall()]
