"""``createPool`` (a member token): a new pooled account, owned by the calling member."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.pools import managing

from ..auth import require_member
from ..context import Info
from ..types.common import UserError
from ..types.pools import PoolMembership
from .pools_common import place_of


@strawberry.input
class CreatePoolInput:
    name: str = strawberry.field(description='1 to 80 characters: "The Popescu family".')
    idempotency_key: str


@strawberry.type
class CreatePoolPayload:
    membership: PoolMembership | None = strawberry.field(
        description="The owner's place in the new pool."
    )
    user_errors: list[UserError]


async def create_pool(info: Info, input: CreatePoolInput) -> CreatePoolPayload:
    ctx = info.context
    owner = require_member(ctx.principal)
    try:
        async with transaction(ctx.pool) as conn:
            made = await managing.create(
                conn, owner_id=owner, name=input.name, key=input.idempotency_key, now=clock.now()
            )
    except ExchangeError as error:
        return CreatePoolPayload(membership=None, user_errors=[UserError.of(error)])
    return CreatePoolPayload(membership=await place_of(info, owner, made.id), user_errors=[])
