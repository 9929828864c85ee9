"""``setBonusEventTypes`` (admin): a new version of the bonus event catalogue, whole, in force
from ``effective_from`` (now or later) on, under an idempotency key. A version is never edited:
awards keep the version they used (``details.bonusEvent.catalogue``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import idempotency
from partners.bonuses import catalogue as values
from partners.bonuses import repository as repo
from partners.bonuses.catalogue import Catalogue, EventType
from partners.versions import start_of_version

OPERATION = "setBonusEventTypes"


async def set_event_types(
    conn: Conn,
    given: Sequence[EventType],
    *,
    effective_from: datetime | None,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> Catalogue:
    """The new catalogue version (with the same key and input: the version it made)."""
    event_types = values.checked(given)
    body = {
        "eventTypes": [asdict(kind) for kind in event_types],
        "effectiveFrom": effective_from,
    }
    done = await idempotency.claim(conn, caller=caller, key=key, operation=OPERATION, request=body)
    if done is not None:
        return await repo.catalogue_by_id(conn, int(done["catalogue_id"]))
    catalogue = await repo.insert_catalogue(
        conn,
        event_types,
        effective_from=start_of_version(effective_from, now),
        actor=actor,
        now=now,
    )
    await idempotency.store(conn, caller=caller, key=key, response={"catalogue_id": catalogue.id})
    return catalogue
