"""Conversions out whose partner did not answer in time expire (their holds are released:
``conversion.expired``), and quotes never used are forgotten. ``exchange worker`` runs it;
the gateway's hold sweeper expires the same holds too. Several may run at once: each member
is locked, and a hold already released is left alone."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from exchange.kit import clock
from exchange.kit.db import Pool, transaction
from exchange.ledger import burning
from exchange.ledger.repository import lock_member
from partners.conversions import quoting

logger = logging.getLogger("partners.conversions")
EVERY = timedelta(seconds=5)
KEEP_UNUSED_QUOTES = timedelta(days=1)


async def expire_due(pool: Pool, *, now: datetime, batch: int = 500) -> int:
    """Expire the conversions whose deadline passed, one member per short transaction;
    returns how many holds were released."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT DISTINCT member_id FROM conversions WHERE status = 'PENDING'"
            " AND confirm_by <= %s LIMIT %s",
            (now, batch),
        )
        member_ids = [row["member_id"] for row in await cur.fetchall()]
    released = 0
    for member_id in member_ids:
        async with transaction(pool) as conn:
            if await lock_member(conn, member_id) is not None:
                released += await burning.release_expired_holds(conn, member_id, now)
    return released


async def sweep(pool: Pool, *, now: datetime) -> int:
    released = await expire_due(pool, now=now)
    async with transaction(pool) as conn:
        await quoting.purge(conn, now - KEEP_UNUSED_QUOTES)
    return released


async def sweep_forever(pool: Pool, stop: asyncio.Event, *, every: timedelta = EVERY) -> None:
    """Every ``every`` until ``stop``; a failed sweep is logged and tried at the next."""
    while not stop.is_set():
        try:
            if released := await sweep(pool, now=clock.now()):
                logger.info("conversions: %d expired", released)
        except Exception:
            logger.exception("conversion sweep failed; trying again at the next one")
        try:
            await asyncio.wait_for(stop.wait(), every.total_seconds())
        except TimeoutError:
            continue
