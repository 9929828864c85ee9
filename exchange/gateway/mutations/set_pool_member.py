"""``setPoolMember`` (the pool's owner, a member token): add a member to the pool, or change
its role and spending limits."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.pools import checks, managing

from ..auth import require_member
from ..context import Info
from ..types.common import UserError
from ..types.pools import PoolMembership, PoolRole
from .pools_common import member_named, place_of, pool_id_of


@strawberry.input(
    description="The member: its memberId, or its email with one of its card numbers."
)
class SetPoolMemberInput:
    pool_id: strawberry.ID
    member_id: strawberry.ID | None = None
    email: str | None = None
    card_number: str | None = strawberry.field(
        default=None, description="With email: one of the member's card numbers."
    )
    role: PoolRole = strawberry.field(description="SPENDER or CONTRIBUTOR.")
    daily_limit: int | None = strawberry.field(
        default=None, description="A SPENDER's most points a UTC day (absent: no limit)."
    )
    monthly_limit: int | None = strawberry.field(
        default=None, description="A SPENDER's most points a calendar month (absent: no limit)."
    )


@strawberry.type
class SetPoolMemberPayload:
    membership: PoolMembership | None = strawberry.field(
        description="The owner's place in the pool, with its members."
    )
    user_errors: list[UserError]


async def set_pool_member(info: Info, input: SetPoolMemberInput) -> SetPoolMemberPayload:
    ctx = info.context
    owner = require_member(ctx.principal)
    try:
        pool_id = pool_id_of(input.pool_id)
        place = checks.membership(input.role.value, input.daily_limit, input.monthly_limit)
        member_id = await member_named(info, input.member_id, input.email, input.card_number)
        async with transaction(ctx.pool) as conn:
            await managing.set_member(
                conn,
                pool_id=pool_id,
                owner_id=owner,
                member_id=member_id,
                place=place,
                now=clock.now(),
            )
    except ExchangeError as error:
        return SetPoolMemberPayload(membership=None, user_errors=[UserError.of(error)])
    return SetPoolMemberPayload(membership=await place_of(info, owner, pool_id), user_errors=[])
