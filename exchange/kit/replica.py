"""Reads from a streaming replica, with read-your-writes for the caller that wrote.

The rule: after a caller (a partner, a member, a staff key) commits a write, the gateway
notes the primary's WAL position (``pg_current_wal_insert_lsn()``, past that commit). Until
the replica has replayed past it (``pg_last_wal_replay_lsn()``), that caller's reads go to
the primary; everyone else's, and the caller's once the replica has caught up, go to the
replica. The position travels with the caller too (a response header, a web app cookie), so
a gateway process that did not see the write honours it when the caller sends it back.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from dataclasses import dataclass

import psycopg
from psycopg_pool import PoolTimeout

from exchange.kit.db import Pool, connection

logger = logging.getLogger("exchange.replica")

HEALTH_SECONDS = 5.0
"""How long a successful look at the replica vouches for it: reads of callers with nothing
to wait for go there without asking again."""

ASK_TIMEOUT_SECONDS = 1.0
"""A replica that gives no connection in this time is not waited for: the primary reads."""

MARKS_KEPT = 100_000
"""Callers whose last write the replica may not have replayed yet, per process; the oldest
(the likeliest replayed already) is forgotten first."""


def parse_lsn(text: str | None) -> int | None:
    """``16/B374D848`` as a number; anything else is no position at all."""
    if not text or text.count("/") != 1 or len(text) > 17:
        return None
    high, low = text.split("/")
    try:
        return (int(high, 16) << 32) | int(low, 16)
    except ValueError:
        return None


def format_lsn(lsn: int) -> str:
    return f"{lsn >> 32:X}/{lsn & 0xFFFFFFFF:X}"


class WriteMarks:
    """Each caller's last write position not yet seen replayed (this process's writes)."""

    def __init__(self, capacity: int = MARKS_KEPT) -> None:
        self._marks: OrderedDict[str, int] = OrderedDict()
        self._capacity = capacity

    def note(self, caller: str, lsn: int) -> None:
        self._marks[caller] = max(lsn, self._marks.get(caller, 0))
        self._marks.move_to_end(caller)
        while len(self._marks) > self._capacity:
            self._marks.popitem(last=False)

    def needed(self, caller: str, claimed: int | None = None) -> int | None:
        """The position a read of this caller must see: its mark or what it sent back."""
        mark = self._marks.get(caller)
        if mark is None or (claimed is not None and claimed > mark):
            return claimed
        return mark

    def replayed(self, caller: str, replay: int) -> None:
        if self._marks.get(caller, replay + 1) <= replay:
            del self._marks[caller]


@dataclass
class ReadRouter:
    """The primary and the replica pools, and which one a read of a caller may use."""

    primary: Pool
    replica: Pool
    marks: WriteMarks
    replayed_up_to: int = 0
    """The highest replay position seen: positions only grow, so a read needing less goes to
    the replica without asking again."""
    seen_at: float = float("-inf")
    """When the replica last answered (time.monotonic())."""

    async def written(self, caller: str) -> int:
        """Note that ``caller`` just committed; returns the position to send back."""
        async with connection(self.primary) as conn:
            cur = await conn.execute("SELECT pg_current_wal_insert_lsn()::text AS lsn")
            row = await cur.fetchone()
        assert row is not None
        lsn = parse_lsn(row["lsn"])
        assert lsn is not None
        self.marks.note(caller, lsn)
        return lsn

    async def pool_for(self, caller: str, claimed: int | None = None) -> Pool:
        needed = self.marks.needed(caller, claimed) or 0
        fresh = time.monotonic() - self.seen_at < HEALTH_SECONDS
        if fresh and needed <= self.replayed_up_to:
            return self.replica
        replay = await self._replay_position()
        if replay is None or replay < needed:
            return self.primary
        self.marks.replayed(caller, replay)
        return self.replica

    async def _replay_position(self) -> int | None:
        """How far the replica has replayed (a server that is not a standby, e.g. promoted:
        its own position). None when it cannot be asked."""
        try:
            async with self.replica.connection(timeout=ASK_TIMEOUT_SECONDS) as conn:
                cur = await conn.execute(
                    "SELECT (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()"
                    " ELSE pg_current_wal_insert_lsn() END)::text AS position"
                )
                row = await cur.fetchone()
        except (psycopg.Error, PoolTimeout, OSError) as error:
            logger.warning("read replica unavailable, reading from the primary: %s", error)
            return None
        replay = None if row is None else parse_lsn(row["position"])
        if replay is not None:
            self.replayed_up_to = max(self.replayed_up_to, replay)
            self.seen_at = time.monotonic()
        return replay
