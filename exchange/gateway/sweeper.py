"""The background task that expires holds whose time ran out."""

from __future__ import annotations

import asyncio
import logging

from exchange.kit import clock
from exchange.kit.db import Pool
from exchange.ledger import burning

logger = logging.getLogger("exchange.gateway.sweeper")


async def sweep_once(pool: Pool) -> int:
    released = await burning.sweep_expired_holds(pool, now=clock.now())
    if released:
        logger.info("released %d expired holds", released)
    return released


async def sweep_forever(pool: Pool, interval: float) -> None:
    """Every ``interval`` seconds; a failed sweep is logged and retried at the next tick."""
    while True:
        try:
            await sweep_once(pool)
        except Exception:
            logger.exception("hold sweep failed")
        await asyncio.sleep(interval)
