"""Rate limits on logging in, per identifier and per network address, counted in the
database (so every gateway process shares them) over sliding windows.

Buckets are keyed hashes: ``id:<hash of the email or phone>`` and ``ip:<hash of the
address>``; an identifier that belongs to no member is limited like any other. Callers of a
bucket take turns (a transaction-scoped advisory lock), so concurrent requests cannot all
slip under a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn
from exchange.portal.errors import RateLimited
from exchange.portal.hashing import keyed_hash


@dataclass(frozen=True)
class Limit:
    action: str
    """``CODE_SENT`` or ``CODE_REJECTED``."""
    scope: str
    """``id`` or ``ip``."""
    most: int
    window: timedelta


LIMITS = (
    Limit("CODE_SENT", "id", 5, timedelta(minutes=15)),
    Limit("CODE_SENT", "ip", 20, timedelta(hours=1)),
    Limit("CODE_REJECTED", "id", 10, timedelta(hours=1)),
    Limit("CODE_REJECTED", "ip", 30, timedelta(hours=1)),
)
KEEP = max(limit.window for limit in LIMITS)
"""How long attempts are kept: the longest window."""


@dataclass(frozen=True)
class Buckets:
    identifier: str
    address: str

    @classmethod
    def of(cls, key: bytes, identifier: str, address: str) -> Buckets:
        return cls(
            identifier="id:" + keyed_hash(key, "login-identifier", identifier),
            address="ip:" + keyed_hash(key, "login-address", address),
        )

    def of_scope(self, scope: str) -> str:
        return self.identifier if scope == "id" else self.address


async def check(conn: Conn, action: str, buckets: Buckets, now: datetime) -> None:
    """Refuse with RATE_LIMITED when any limit on ``action`` is reached."""
    for limit in (limit for limit in LIMITS if limit.action == action):
        bucket = buckets.of_scope(limit.scope)
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (bucket,))
        cur = await conn.execute(
            "SELECT count(*) AS n, min(at) AS oldest FROM login_attempts"
            " WHERE bucket = %s AND action = %s AND at > %s",
            (bucket, action, now - limit.window),
        )
        row = await cur.fetchone()
        assert row is not None
        if row["n"] >= limit.most:
            wait = row["oldest"] + limit.window - now
            raise RateLimited(
                "too many attempts; try again later",
                retry_after=max(1, int(wait.total_seconds()) + 1),
            )


async def record(conn: Conn, action: str, buckets: Buckets, now: datetime) -> None:
    await conn.execute(
        "INSERT INTO login_attempts (bucket, action, at) VALUES (%s, %s, %s), (%s, %s, %s)",
        (buckets.identifier, action, now, buckets.address, action, now),
    )


async def purge(conn: Conn, now: datetime) -> int:
    """Forget attempts older than every window."""
    cur = await conn.execute("DELETE FROM login_attempts WHERE at < %s", (now - KEEP,))
    return cur.rowcount
