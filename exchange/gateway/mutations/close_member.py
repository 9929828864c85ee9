"""``closeMember`` (admin): close a member's account; no points move for it afterwards."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger import members
from exchange.ledger.errors import MemberNotFound

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import UserError
from ..types.members import Member
from .common import decode_id


@strawberry.input
class CloseMemberInput:
    member_id: strawberry.ID
    reason: str | None = strawberry.field(
        default=None, description="Why, for the record (up to 500 characters)."
    )


@strawberry.type
class CloseMemberPayload:
    member: Member | None = strawberry.field(description="The member, now CLOSED.")
    user_errors: list[UserError]


async def _close(info: Info, ctx: Context, data: CloseMemberInput) -> CloseMemberPayload:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    async with transaction(ctx.pool) as conn:
        await members.close(conn, member_id, clock.now(), reason=data.reason)
    ctx.forget_reads()
    return CloseMemberPayload(member=await Member.load(info, member_id), user_errors=[])


async def close_member(info: Info, input: CloseMemberInput) -> CloseMemberPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _close(info, ctx, input)
    except ExchangeError as error:
        return CloseMemberPayload(member=None, user_errors=[UserError.of(error)])
