"""``revokeMemberSessions`` (admin): end every web session and app token of a member, say
when a member's account or device was taken over."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from exchange.portal import sessions

from ..auth import require_admin
from ..context import Info
from ..types.common import UserError
from ..types.members import Member
from .common import decode_id


@strawberry.input
class RevokeMemberSessionsInput:
    member_id: strawberry.ID


@strawberry.type
class RevokeMemberSessionsPayload:
    member: Member | None
    revoked_sessions: int = strawberry.field(
        description="How many of the member's sessions and app tokens this ended (0 on a"
        " refusal, or when none was open)."
    )
    user_errors: list[UserError]


async def revoke_member_sessions(
    info: Info, input: RevokeMemberSessionsInput
) -> RevokeMemberSessionsPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        member_id = decode_id(input.member_id, "Member", MemberNotFound, "memberId")
        async with transaction(ctx.pool) as conn:
            revoked = await sessions.revoke_member_sessions(conn, member_id, clock.now())
    except ExchangeError as error:
        if isinstance(error, MemberNotFound):
            error.field = ["memberId"]
        return RevokeMemberSessionsPayload(
            member=None, revoked_sessions=0, user_errors=[UserError.of(error)]
        )
    return RevokeMemberSessionsPayload(
        member=await Member.load(info, member_id), revoked_sessions=revoked, user_errors=[]
    )
