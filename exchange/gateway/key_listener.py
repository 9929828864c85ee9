"""Hears key changes from every process (LISTEN), so the key cache may serve requests."""

from __future__ import annotations

import asyncio
import logging

import psycopg

from partners.keycache import KeyCache
from partners.keys import KEY_CHANGES

logger = logging.getLogger("exchange.gateway.keys")
RETRY_SECONDS = 1.0


async def listen_for_key_changes(url: str, cache: KeyCache) -> None:
    """Keep a LISTEN connection; the cache is used only while it is up."""
    while True:
        try:
            async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
                await conn.execute(f"LISTEN {KEY_CHANGES}")
                cache.invalidate()
                cache.listening = True
                async for _ in conn.notifies():
                    cache.invalidate()
        except (psycopg.Error, OSError):
            logger.warning("key change listener lost its connection; retrying", exc_info=True)
        finally:
            cache.listening = False
            cache.invalidate()
        await asyncio.sleep(RETRY_SECONDS)
