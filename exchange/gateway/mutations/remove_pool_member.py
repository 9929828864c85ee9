"""``removePoolMember`` (the pool's owner, a member token): a member leaves the pool; what it
contributed stays in the pool."""

from __future__ import annotations

import strawberry

from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from partners.pools import managing

from ..auth import require_member
from ..context import Info
from ..types.common import UserError
from ..types.pools import PoolMembership
from .common import decode_id
from .pools_common import place_of, pool_id_of


@strawberry.input
class RemovePoolMemberInput:
    pool_id: strawberry.ID
    member_id: strawberry.ID


@strawberry.type
class RemovePoolMemberPayload:
    membership: PoolMembership | None = strawberry.field(
        description="The owner's place in the pool, with its members."
    )
    user_errors: list[UserError]


async def remove_pool_member(info: Info, input: RemovePoolMemberInput) -> RemovePoolMemberPayload:
    ctx = info.context
    owner = require_member(ctx.principal)
    try:
        pool_id = pool_id_of(input.pool_id)
        member_id = decode_id(input.member_id, "Member", MemberNotFound, "memberId")
        async with transaction(ctx.pool) as conn:
            await managing.remove_member(conn, pool_id=pool_id, owner_id=owner, member_id=member_id)
    except ExchangeError as error:
        return RemovePoolMemberPayload(membership=None, user_errors=[UserError.of(error)])
    return RemovePoolMemberPayload(membership=await place_of(info, owner, pool_id), user_errors=[])
