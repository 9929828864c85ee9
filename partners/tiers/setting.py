"""setTiers and setMembershipPlans (admin): a new version of the ladder or of the plan
catalogue, in force from its ``effective_from`` on, under an idempotency key.

A version starts now or later, never in the past (a caller's clock may be a few minutes
ahead): what members earned under the versions before stays as it was recorded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.ledger import idempotency
from partners.tiers import checks, earning
from partners.tiers import repository as repo
from partners.tiers.checks import NewLadder
from partners.tiers.ladders import Ladder
from partners.tiers.plans import Catalogue, Plan
from partners.versions import start_of_version


def _body(new: Any, effective_from: datetime | None) -> dict[str, Any]:
    return {**asdict(new), "effectiveFrom": effective_from}


async def set_tiers(
    conn: Conn,
    new: NewLadder,
    *,
    effective_from: datetime | None,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> Ladder:
    """The new ladder version (with the same key and input: the version it made)."""
    done = await idempotency.claim(
        conn, caller=caller, key=key, operation="setTiers", request=_body(new, effective_from)
    )
    if done is not None:
        return await repo.ladder_by_id(conn, int(done["ladder_id"]))
    ladder = await repo.insert_ladder(
        conn, new, effective_from=start_of_version(effective_from, now), actor=actor, now=now
    )
    await idempotency.store(conn, caller=caller, key=key, response={"ladder_id": ladder.id})
    earning.forget()
    return ladder


async def set_plans(
    conn: Conn,
    given: Sequence[Plan],
    *,
    effective_from: datetime | None,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> Catalogue:
    """The new catalogue version; a plan's tier must be a tier of the ladder in force when
    the catalogue starts."""
    body = {"plans": [asdict(plan) for plan in given], "effectiveFrom": effective_from}
    done = await idempotency.claim(
        conn, caller=caller, key=key, operation="setMembershipPlans", request=body
    )
    if done is not None:
        return await repo.catalogue_by_id(conn, int(done["catalogue_id"]))
    start = start_of_version(effective_from, now)
    ladder = await repo.ladder_at(conn, start)
    names = {} if ladder is None else {lvl.name.casefold(): lvl.name for lvl in ladder.levels}
    catalogue = await repo.insert_catalogue(
        conn, checks.plans(given, names), effective_from=start, actor=actor, now=now
    )
    await idempotency.store(conn, caller=caller, key=key, response={"catalogue_id": catalogue.id})
    earning.forget()
    return catalogue
