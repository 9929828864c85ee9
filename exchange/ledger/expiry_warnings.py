"""``points.expiring`` warnings: ``days`` ahead of the UTC date a member's lots expire, one
outbox event per member and date (to the partner that enrolled the member, which tells the
member), exactly once whatever runs at once (``ledger_warn_expiring``, set-based, a chunk of
members per statement: no loop over lots anywhere). ``exchange worker`` warns after its daily
expiry, ``exchange expire --warn`` by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit import clock
from exchange.kit.db import Pool, transaction

CHUNK = 1000
EVENT = "points.expiring"


@dataclass(frozen=True)
class Warned:
    as_of: datetime
    until: datetime
    """Lots expiring on or before this instant's UTC date were looked at."""
    warnings: int = 0
    """``points.expiring`` events written (one per member and date of expiry)."""


async def warn_expiring(
    pool: Pool, *, as_of: datetime, days: int, chunk: int = CHUNK, now: datetime | None = None
) -> Warned:
    """Warn of the points expiring after ``as_of`` and on or before the date ``days`` later,
    ``chunk`` members per transaction; dates already warned of are left alone."""
    until = as_of + timedelta(days=days)
    warned = Warned(as_of=as_of, until=until)
    if days <= 0:
        return warned
    after = 0
    while True:
        async with transaction(pool) as conn:
            cur = await conn.execute(
                "SELECT ledger_warn_expiring(%s, %s, %s, %s, %s) AS done",
                (after, chunk, as_of, until, now or clock.now()),
            )
            row = await cur.fetchone()
        assert row is not None
        done = row["done"]
        if done["last"] is None:
            return warned
        after = int(done["last"])
        warned = Warned(as_of, until, warned.warnings + int(done["warnings"]))
