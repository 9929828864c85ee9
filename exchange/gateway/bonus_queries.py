"""The bonus event catalogue, for the Query root: program rules every caller may read
(partners award the types, members see what earns a bonus)."""

from __future__ import annotations

from datetime import datetime

from exchange.kit import clock
from exchange.kit.db import transaction
from partners.bonuses import repository

from .context import Info
from .types.bonuses import BonusCatalogue

MAX_VERSIONS = 100


async def bonus_event_types(info: Info, at: datetime | None = None) -> BonusCatalogue | None:
    async with transaction(info.context.pool) as conn:
        found = await repository.catalogue_at(conn, at or clock.now())
    return None if found is None else BonusCatalogue.of(found)


async def bonus_catalogues(info: Info) -> list[BonusCatalogue]:
    async with transaction(info.context.pool) as conn:
        found = await repository.catalogues(conn, limit=MAX_VERSIONS)
    return [BonusCatalogue.of(catalogue) for catalogue in found]
