"""A member contributes points to a pool it belongs to: a transfer to the pool's account
(``exchange.ledger.transfers``), so the lots move with their issuer, issue price and expiry and
settlement stays exact. A contribution is not a gift to another member: it does not count
against the member's daily transfer limit."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.kit.money import check_points
from exchange.ledger import transfers
from exchange.ledger.outcome import Outcome, Request
from partners.pools.managing import member_pool

OPERATION = "contributeToPool"


async def contribute(
    conn: Conn, *, member_id: int, pool_id: int, points: int, key: str, now: datetime
) -> Outcome:
    """Move ``points`` of the member's to the pool; returns the member's TRANSFER_OUT."""
    check_points(points)
    pool, _ = await member_pool(conn, pool_id, member_id)
    request = Request(f"member:{member_id}", key, OPERATION, {"poolId": pool_id, "points": points})
    return await transfers.transfer(
        conn,
        request,
        sender_id=member_id,
        receiver_id=pool.account_id,
        points=points,
        daily_limit=None,
        now=now,
        purpose=transfers.Purpose(
            sent=f"Points contributed to the pool {pool.name}",
            received="Points contributed by a member",
            name="POOL_CONTRIBUTION",
            details={"poolId": to_global_id("Pool", pool.id)},
        ),
    )
