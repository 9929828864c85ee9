"""The partners directory: where a member earns and spends points, at which rates, and what
a point is worth there now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Conn


@dataclass(frozen=True)
class Listing:
    partner_id: int
    code: str
    name: str
    earn_rate: Decimal
    """Points per whole unit of money spent."""
    redemption_value: Decimal | None
    """What a point pays for there now (None: no price in force)."""
    currency: str | None
    point_validity_days: int | None


async def listings(conn: Conn, *, now: datetime) -> list[Listing]:
    """Active partners by name, each with the price in force now."""
    cur = await conn.execute(
        "SELECT p.id AS partner_id, p.code, p.name, p.earn_rate, pr.redemption_value,"
        " pr.currency, p.point_validity_days FROM partners p"
        " LEFT JOIN LATERAL (SELECT redemption_value, currency FROM partner_prices"
        "   WHERE partner_id = p.id AND effective_from <= %s"
        "   ORDER BY effective_from DESC LIMIT 1) pr ON true"
        " WHERE p.status = 'ACTIVE' ORDER BY p.name, p.id",
        (now,),
    )
    return [Listing(**row) for row in await cur.fetchall()]
