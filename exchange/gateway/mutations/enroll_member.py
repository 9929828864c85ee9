"""``enrollMember``: a new member, linked to the enrolling partner."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger import members
from partners.referrals import enrolling

from ..auth import require_partner
from ..context import Context, Info
from ..types.common import UserError, described
from ..types.members import Member


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
        default=None,
        description="Another member's referral code: the new member is its referral, and both"
        " get the referral program's bonuses on the new member's first qualifying purchase."
        " Unknown: REFERRAL_CODE_NOT_FOUND; the new member's own (its email the referrer's"
        " mailbox: case, +tags and Gmail's dots aside): SELF_REFERRAL.",
    )


@strawberry.type
class EnrollMemberPayload:
    user_errors: list[UserError]
    member_id: strawberry.Private[int | None] = None

    @described("The new member.")
    async def member(self, info: Info) -> Member | None:
        return None if self.member_id is None else await Member.load(info, self.member_id)


async def _enroll(ctx: Context, partner_id: int, data: EnrollMemberInput) -> int:
    code = None if data.referral_code is None else enrolling.checked_code(data.referral_code)
    enrolment = members.Enrolment(
        email=data.email,
        phone=data.phone,
        card_number=data.card_number,
        external_id=data.external_id,
    )
    now = clock.now()
    async with transaction(ctx.pool) as conn:
        member_id = await members.enroll(conn, enrolment=enrolment, partner_id=partner_id, now=now)
        if code is not None:
            await enrolling.refer(
                conn,
                referred_member_id=member_id,
                email=data.email,
                code=code,
                partner_id=partner_id,
                now=now,
            )
    return member_id


async def enroll_member(info: Info, input: EnrollMemberInput) -> EnrollMemberPayload:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    try:
        member_id = await _enroll(ctx, partner_id, input)
    except ExchangeError as error:
        return EnrollMemberPayload(user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return EnrollMemberPayload(user_errors=[], member_id=member_id)
