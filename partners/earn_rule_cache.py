"""Each partner's earn rule versions, remembered per process for a few seconds.

The hot path reads them from memory: no query per earn. That is safe because the earn's SQL
function checks that the version an earn was priced with is the one in force at its time
(``EARN_RULES_CHANGED`` otherwise, after which ``partners.purchases`` reads the versions
again and prices once more): a version added by another process is used from its
``effective_from`` on, exactly. Quotes may show the previous version for up to
``TTL_SECONDS`` after a change made elsewhere; a change made in this process is seen at once.
"""

from __future__ import annotations

import time

from exchange.kit.db import Conn
from partners import earn_rule_versions
from partners.earn_rules.rule_sets import RuleSet

TTL_SECONDS = 5
_cache: dict[int, tuple[int, tuple[RuleSet, ...]]] = {}


async def versions(conn: Conn, partner_id: int, *, fresh: bool = False) -> tuple[RuleSet, ...]:
    """The partner's versions (latest first), from memory unless ``fresh`` or stale."""
    now_ns = time.monotonic_ns()
    cached = _cache.get(partner_id)
    if not fresh and cached is not None and now_ns - cached[0] < TTL_SECONDS * 1_000_000_000:
        return cached[1]
    found = tuple((await earn_rule_versions.versions_of(conn, [partner_id]))[partner_id])
    _cache[partner_id] = (now_ns, found)
    return found


def forget(partner_id: int | None = None) -> None:
    """Read the partner's versions (None: every partner's) from the database next time."""
    if partner_id is None:
        _cache.clear()
    else:
        _cache.pop(partner_id, None)
