"""``enrollMember``: a new member, linked to the enrolling partner."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.ledger import members

from ..auth import require_partner
from ..context import Context, Info
from ..types.common import UserError, described
from ..types.members import Member

MAX_REFERRAL_CODE = 64


@strawberry.input
class EnrollMemberInput:
    email: str | None = None
    phone: str | None = strawberry.field(default=None, description="E.164, e.g. +37360123456.")
    card_number: str | None = strawberry.field(
        default=None, description="8 to 19 digits; absent: the exchange issues one."
    )
    external_id: str | None = strawberry.field(
        default=None, description="The enrolling partner's own id for the member."
    )
    referral_code: str | None = strawberry.field(
        default=None, description="Accepted and ignored for now: referrals do not exist yet."
    )


@strawberry.type
class EnrollMemberPayload:
    user_errors: list[UserError]
    member_id: strawberry.Private[int | None] = None

    @described("The new member.")
    async def member(self, info: Info) -> Member | None:
        return None if self.member_id is None else await Member.load(info, self.member_id)


async def _enroll(ctx: Context, partner_id: int, data: EnrollMemberInput) -> int:
    if data.referral_code is not None and len(data.referral_code) > MAX_REFERRAL_CODE:
        raise InvalidInput(
            f"referralCode is at most {MAX_REFERRAL_CODE} characters", field=["referralCode"]
        )
    enrolment = members.Enrolment(
        email=data.email,
        phone=data.phone,
        card_number=data.card_number,
        external_id=data.external_id,
    )
    async with transaction(ctx.pool) as conn:
        return await members.enroll(
            conn, enrolment=enrolment, partner_id=partner_id, now=clock.now()
        )


async def enroll_member(info: Info, input: EnrollMemberInput) -> EnrollMemberPayload:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    try:
        member_id = await _enroll(ctx, partner_id, input)
    except ExchangeError as error:
        return EnrollMemberPayload(user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return EnrollMemberPayload(user_errors=[], member_id=member_id)
