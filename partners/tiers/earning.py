"""What an earn gets from tiers and memberships: the multipliers the earn rules apply (the
tier's, and running multiplier memberships'; with campaigns', on every line before the
floor), and what the earn keeps of the tier it used (``details.tier``: name, version,
source, multiplier), so a reversal and the earn's explanation show the same numbers.

The tier is the one that applies when the earn is posted. One round trip per earn; none at
all while the program never had a ladder or a membership catalogue (known per database for
``TTL_SECONDS``, like partner rates: the first ladder reaches every process within that).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from partners.earn_rules.evaluation import Multiplier
from partners.tiers import repository as repo
from partners.tiers import standing
from partners.tiers.standing import Standing

TTL_SECONDS = 5
_programs: dict[tuple[bytes, bytes, bytes], tuple[int, bool]] = {}


@dataclass(frozen=True)
class EarnTier:
    standing: Standing | None
    multipliers: tuple[Multiplier, ...] = ()

    def record(self) -> dict[str, Any] | None:
        return None if self.standing is None else self.standing.record()


NONE = EarnTier(None)


def forget() -> None:
    """This process sets a ladder or a catalogue: read again at the next earn."""
    _programs.clear()


async def _has_program(conn: Conn) -> bool:
    # which database, cheaply: libpq's own fields (``conn.info.dsn`` parses a conninfo
    # string on every call, a sixth of an in-process earn's time)
    pg = conn.pgconn
    now_ns, database = time.monotonic_ns(), (pg.host, pg.port, pg.db)
    cached = _programs.get(database)
    if cached is not None and cached[1]:
        return True
    if cached is not None and now_ns - cached[0] < TTL_SECONDS * 1_000_000_000:
        return False
    found = await repo.has_program(conn)
    _programs[database] = (now_ns, found)
    return found


async def earn_tier(conn: Conn, member_id: int, at: datetime) -> EarnTier:
    """The tier and multipliers of an earn posted at ``at``."""
    if not await _has_program(conn):
        return NONE
    ladder, row, memberships = await repo.earn_state(conn, member_id, at)
    current = None
    if ladder is not None:
        current = standing.standing(
            ladder, earned=row.tier, review_at=row.review_at, memberships=memberships, at=at
        )
    return EarnTier(current, tuple(standing.multipliers(current, memberships, at)))


async def earn_tiers(conn: Conn, member_ids: Iterable[int], at: datetime) -> dict[int, EarnTier]:
    """``earn_tier`` for many members at once (an import's batch): three statements; the
    members without a tier or membership are left out (they earn with ``NONE``)."""
    ids = sorted(set(member_ids))
    if not ids or not await _has_program(conn):
        return {}
    ladder = await repo.ladder_at(conn, at)
    rows = await repo.tier_rows(conn, ids)
    held = await repo.memberships_of(conn, ids, ending_after=at)
    found = {}
    for member in ids:
        running = [m for m in held[member] if m.active(at)]
        row = rows.get(member, repo.TierRow())
        current = None
        if ladder is not None:
            current = standing.standing(
                ladder, earned=row.tier, review_at=row.review_at, memberships=running, at=at
            )
        found[member] = EarnTier(current, tuple(standing.multipliers(current, running, at)))
    return found
