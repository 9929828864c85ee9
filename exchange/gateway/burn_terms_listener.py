"""Hears burn rule and price changes from every process (LISTEN), so burns may read a
partner's burn terms from memory (``partners.burn_terms``)."""

from __future__ import annotations

import asyncio
import logging

import psycopg

from partners.burn_terms import CHANNEL, TermsCache

logger = logging.getLogger("exchange.gateway.burn_terms")
RETRY_SECONDS = 1.0


async def listen_for_burn_terms(url: str, cache: TermsCache) -> None:
    """Keep a LISTEN connection; each notification names the partner whose terms changed.
    While it is down, the cache keeps entries for seconds only."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {CHANNEL}")
                cache.forget()
                cache.listening = True
                async for notice in conn.notifies():
                    cache.forget(int(notice.payload) if notice.payload.isdigit() else None)
        except (psycopg.Error, OSError):
            logger.warning("burn terms listener lost its connection; retrying", exc_info=True)
        finally:
            cache.listening = False
            cache.forget()
        await asyncio.sleep(RETRY_SECONDS)
