"""The background task that expires holds whose time ran out, pays qualified referrals, gives
up import jobs whose process died and forgets old login attempts, codes and member sessions."""

from __future__ import annotations

import asyncio
import logging

from exchange.kit import clock
from exchange.kit.db import Pool
from exchange.ledger import burning
from exchange.portal import login
from partners import importing
from partners.referrals import payouts

logger = logging.getLogger("exchange.gateway.sweeper")


async def sweep_once(pool: Pool) -> int:
    released = await burning.sweep_expired_holds(pool, now=clock.now())
    if released:
        logger.info("released %d expired holds", released)
    paid = await payouts.pay_qualified(pool, now=clock.now())
    if paid.referrals:
        logger.info("paid %d referrals (%d points)", paid.referrals, paid.points)
    interrupted = await importing.fail_interrupted(pool)
    if interrupted:
        logger.warning("gave up interrupted import jobs %s", interrupted)
    await login.purge(pool, clock.now())
    return released


async def sweep_forever(pool: Pool, interval: float) -> None:
    """Every ``interval`` seconds; a failed sweep is logged and retried at the next tick."""
    while True:
        try:
            await sweep_once(pool)
        except Exception:
            logger.exception("hold sweep failed")
        await asyncio.sleep(interval)
