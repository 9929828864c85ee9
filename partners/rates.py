"""The partner's earn rate, cached per process for a few seconds.

Rates change rarely and never retroactively for a posted entry (the entry records the rate
it used), so a short cache spares the hot path a round trip; a changed rate reaches every
process within ``TTL_SECONDS``.
"""

from __future__ import annotations

import time
from decimal import Decimal

from exchange.kit.db import Conn
from partners.errors import PartnerNotFound

TTL_SECONDS = 5
_cache: dict[int, tuple[int, Decimal]] = {}


async def earn_rate(conn: Conn, partner_id: int) -> Decimal:
    now_ns = time.monotonic_ns()
    cached = _cache.get(partner_id)
    if cached is not None and now_ns - cached[0] < TTL_SECONDS * 1_000_000_000:
        return cached[1]
    cur = await conn.execute("SELECT earn_rate FROM partners WHERE id = %s", (partner_id,))
    row = await cur.fetchone()
    if row is None:
        raise PartnerNotFound("no such partner")
    rate: Decimal = row["earn_rate"]
    _cache[partner_id] = (now_ns, rate)
    return rate
