"""Rate limits per API key (and per member token) by query cost: a token bucket of
``EXCHANGE_RATE_LIMIT_BURST`` cost units, refilled at ``EXCHANGE_RATE_LIMIT_PER_SECOND``.

The bucket lives in PostgreSQL, one UNLOGGED row a key, so every gateway process shares it
(a client whose keep-alive connection sticks to one process still gets the whole limit).
Taking from it is one statement; to keep that round trip off most requests, a process takes a
little more than it needs (``lease``: 1/20 of a second's refill) and spends the rest locally
for up to ``LEASE_SECONDS``. Leased tokens have left the shared bucket, so the limit is never
exceeded: at worst a process holds a lease another could have used (a refusal a lease early),
and over any interval a key spends at most the burst, the refill, and one lease per process.

Amounts are kept in thousandths of a unit (integers; the refill is exact to 1/1000)."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from exchange.kit.db import Pool, connection

MILLI = 1000
LEASE_SECONDS = 1.0
MAX_LEASES = 10_000

TAKE = """
INSERT INTO rate_limit_buckets AS b (bucket, tokens, last_taken, refilled_at)
SELECT %(bucket)s, %(capacity)s - t.taken, t.taken, clock_timestamp()
  FROM (SELECT CASE WHEN %(capacity)s >= %(need)s
                    THEN least(%(capacity)s, %(want)s) ELSE 0 END AS taken) t
ON CONFLICT (bucket) DO UPDATE SET (tokens, last_taken, refilled_at) = (
    SELECT a.available - t.taken, t.taken, a.at
      FROM (SELECT clock_timestamp() AS at) n,
           LATERAL (SELECT n.at, least(%(capacity)s, b.tokens + floor(
                        extract(epoch FROM n.at - b.refilled_at) * %(rate)s)::bigint)
                       AS available) a,
           LATERAL (SELECT CASE WHEN a.available >= %(need)s
                                THEN least(a.available, %(want)s) ELSE 0 END AS taken) t)
RETURNING last_taken AS taken, tokens AS available
"""


@dataclass(frozen=True)
class Limits:
    per_second: int
    """Cost units refilled per second; 0: no limit."""
    burst: int
    """The bucket's size: what a key may spend at once after a quiet time."""

    @property
    def lease(self) -> int:
        """What a process takes beyond its need, in thousandths: 1/20 s of refill."""
        return min(self.per_second * MILLI // 20, self.burst * MILLI // 10)


@dataclass
class _Lease:
    tokens: int
    taken_at: float


class RateLimiter:
    """One per gateway process."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.leases: dict[str, _Lease] = {}

    @property
    def enabled(self) -> bool:
        return self.limits.per_second > 0

    async def take(self, pool: Pool, bucket: str, cost: int) -> float | None:
        """Spend ``cost`` from ``bucket``: None when allowed, else the seconds to wait."""
        need = max(cost, 0) * MILLI
        now = time.monotonic()
        lease = self.leases.get(bucket)
        held = lease.tokens if lease and now - lease.taken_at < LEASE_SECONDS else 0
        if held >= need and lease is not None:
            lease.tokens -= need
            return None
        short = need - held
        taken, available = await self._take_shared(pool, bucket, short, short + self.limits.lease)
        if taken == 0:
            return self.wait_for(short, available)
        self._keep(bucket, _Lease(held + taken - need, now))
        return None

    def wait_for(self, need: int, available: int) -> float:
        if need > self.limits.burst * MILLI:
            return math.inf  # never: the query costs more than the bucket holds
        rate = self.limits.per_second * MILLI
        return max((need - available) / rate, 0.001)

    async def _take_shared(self, pool: Pool, bucket: str, need: int, want: int) -> tuple[int, int]:
        params = {
            "bucket": bucket,
            "need": need,
            "want": want,
            "capacity": self.limits.burst * MILLI,
            "rate": self.limits.per_second * MILLI,
        }
        async with connection(pool) as conn:
            cur = await conn.execute(TAKE, params)
            row = await cur.fetchone()
        assert row is not None
        return int(row["taken"]), int(row["available"])

    def _keep(self, bucket: str, lease: _Lease) -> None:
        if len(self.leases) >= MAX_LEASES:
            stale = [
                name
                for name, kept in self.leases.items()
                if lease.taken_at - kept.taken_at >= LEASE_SECONDS
            ]
            for name in stale:
                del self.leases[name]
            if len(self.leases) >= MAX_LEASES:
                self.leases.clear()
        self.leases[bucket] = lease
