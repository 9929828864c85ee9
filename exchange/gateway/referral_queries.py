"""The referral program, for the Query root: any caller may read it (partners tell members
about it, the web app shows it)."""

from __future__ import annotations

from datetime import datetime

from exchange.kit import clock
from exchange.kit.db import transaction
from partners.referrals import repository

from .context import Info
from .types.referrals import ReferralProgram

MAX_VERSIONS = 100


async def referral_program(info: Info, at: datetime | None = None) -> ReferralProgram | None:
    async with transaction(info.context.pool) as conn:
        found = await repository.program_at(conn, at or clock.now())
    return None if found is None else ReferralProgram.of(found)


async def referral_programs(info: Info) -> list[ReferralProgram]:
    async with transaction(info.context.pool) as conn:
        found = await repository.programs(conn, limit=MAX_VERSIONS)
    return [ReferralProgram.of(program) for program in found]
