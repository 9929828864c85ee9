"""Every campaign version, remembered per process and per database, with the generation it
was read at.

The hot path reads them from memory: no query per earn. That is safe because the earn's SQL
function checks the generation (``CAMPAIGNS_CHANGED`` otherwise, after which
``partners.purchases`` reads them again and prices once more): a campaign created, changed or
ended in another process applies to the next earn everywhere. Every ``TTL_SECONDS`` a process
reads the generation again (one small statement) and the versions only when it moved; a quote
may show the previous campaigns for that long after a change made elsewhere.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from exchange.kit.db import Conn
from partners.campaigns import store
from partners.campaigns.store import Snapshot
from partners.campaigns.terms import Version

TTL_SECONDS = 5
Database = tuple[bytes | None, bytes | None, bytes | None]


@dataclass
class _Cached:
    read_ns: int
    snapshot: Snapshot
    by_partner: dict[int, tuple[Version, ...]] = field(default_factory=dict)


_cache: dict[Database, _Cached] = {}


def _database(conn: Conn) -> Database:
    # libpq's own fields: cheap (``conn.info.dsn`` parses a conninfo string on every call)
    pg = conn.pgconn
    return (pg.host, pg.port, pg.db)


async def _cached(conn: Conn, fresh: bool) -> _Cached:
    now_ns, database = time.monotonic_ns(), _database(conn)
    cached = _cache.get(database)
    if cached is not None and not fresh:
        if now_ns - cached.read_ns < TTL_SECONDS * 1_000_000_000:
            return cached
        if await store.generation(conn) == cached.snapshot.generation:
            cached.read_ns = now_ns
            return cached
    cached = _Cached(now_ns, await store.snapshot(conn))
    _cache[database] = cached
    return cached


def _at_partner(snapshot: Snapshot, partner_id: int) -> tuple[Version, ...]:
    """The versions of the campaigns that may apply at the partner (some version of theirs
    targets it, or every partner) and of every promo code (to say why one does not apply)."""
    campaigns = {
        v.campaign.id
        for v in snapshot.versions
        if v.campaign.promo_code is not None or v.terms.targets.partner(partner_id)
    }
    return tuple(v for v in snapshot.versions if v.campaign.id in campaigns)


@dataclass(frozen=True)
class Offer:
    """What an earn at a partner may be offered: its campaigns' versions, with the generation
    they were read at, the seeds and the segments."""

    snapshot: Snapshot
    versions: tuple[Version, ...]

    @property
    def generation(self) -> int:
        return self.snapshot.generation


async def offer(conn: Conn, partner_id: int, *, fresh: bool = False) -> Offer:
    cached = await _cached(conn, fresh)
    found = cached.by_partner.get(partner_id)
    if found is None:
        found = cached.by_partner[partner_id] = _at_partner(cached.snapshot, partner_id)
    return Offer(cached.snapshot, found)


def forget() -> None:
    """This process changed a campaign: read them again at the next earn."""
    _cache.clear()
