"""``setReferralProgram`` (admin): a new version of the referral program, in force from
``effectiveFrom`` (now or later) on."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.referrals import setting
from partners.referrals.program import Terms

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import UserError
from ..types.referrals import ReferralProgram


@strawberry.input
class SetReferralProgramInput:
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the version starts (default: now; never in the past)."
    )
    referrer_points: int = strawberry.field(description="0 to 1,000,000.")
    referred_points: int = strawberry.field(description="0 to 1,000,000.")
    minimum_points: int = strawberry.field(
        description="The least points of the first earn that qualifies (1 to 1,000,000)."
    )
    validity_days: int | None = strawberry.field(
        default=None, description="Days the bonus points live (absent: they do not expire)."
    )
    idempotency_key: str


@strawberry.type
class SetReferralProgramPayload:
    referral_program: ReferralProgram | None
    user_errors: list[UserError]


async def _set(ctx: Context, data: SetReferralProgramInput) -> SetReferralProgramPayload:
    principal = ctx.principal
    terms = Terms(
        referrer_points=data.referrer_points,
        referred_points=data.referred_points,
        minimum_points=data.minimum_points,
        validity_days=data.validity_days,
    )
    async with transaction(ctx.pool) as conn:
        program = await setting.set_program(
            conn,
            terms,
            effective_from=data.effective_from,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
    return SetReferralProgramPayload(referral_program=ReferralProgram.of(program), user_errors=[])


async def set_referral_program(
    info: Info, input: SetReferralProgramInput
) -> SetReferralProgramPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetReferralProgramPayload(referral_program=None, user_errors=[UserError.of(error)])
