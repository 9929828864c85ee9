"""The program's tiers and membership plans, for the Query root: program rules every caller
may read (partners sell the plans, members see what a tier gives)."""

from __future__ import annotations

from datetime import datetime

from exchange.kit import clock
from exchange.kit.db import transaction
from partners.tiers import repository

from .context import Info
from .types.tiers import MembershipCatalogue, TierLadder


async def tier_ladder(info: Info, at: datetime | None = None) -> TierLadder | None:
    async with transaction(info.context.pool) as conn:
        found = await repository.ladder_at(conn, at or clock.now())
    return None if found is None else TierLadder.of(found)


async def tier_ladders(info: Info) -> list[TierLadder]:
    async with transaction(info.context.pool) as conn:
        found = await repository.ladders(conn)
    return [TierLadder.of(ladder) for ladder in found]


async def membership_plans(info: Info, at: datetime | None = None) -> MembershipCatalogue | None:
    async with transaction(info.context.pool) as conn:
        found = await repository.catalogue_at(conn, at or clock.now())
    return None if found is None else MembershipCatalogue.of(found)
