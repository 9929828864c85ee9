"""``contributeToPool`` (a pool's member, a member token): move points of the member's to the
pool, lots with their issuer and expiry, earliest expiry first."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.pools import contributing

from ..auth import require_member
from ..context import Info
from ..types.common import described
from ..types.pools import PoolMembership
from .common import OutcomePayload, resolve_member, resolve_transaction
from .pools_common import place_of, pool_id_of


@strawberry.input
class ContributeToPoolInput:
    pool_id: strawberry.ID
    points: int
    idempotency_key: str


@strawberry.type
class ContributeToPoolPayload(OutcomePayload):
    transaction = strawberry.field(
        resolver=resolve_transaction, description="The TRANSFER_OUT on the member."
    )
    member = strawberry.field(resolver=resolve_member, description="The member after it.")
    pool_id: strawberry.Private[int | None] = None

    @described("The member's place in the pool after it.")
    async def membership(self, info: Info) -> PoolMembership | None:
        if self.outcome is None or self.pool_id is None:
            return None
        return await place_of(info, self.outcome.member_id, self.pool_id)


async def contribute_to_pool(info: Info, input: ContributeToPoolInput) -> ContributeToPoolPayload:
    ctx = info.context
    member_id = require_member(ctx.principal)
    try:
        pool_id = pool_id_of(input.pool_id)
        async with transaction(ctx.pool) as conn:
            outcome = await contributing.contribute(
                conn,
                member_id=member_id,
                pool_id=pool_id,
                points=input.points,
                key=input.idempotency_key,
                now=clock.now(),
            )
    except ExchangeError as error:
        return ContributeToPoolPayload.failed(error)
    ctx.forget_reads()
    return ContributeToPoolPayload(user_errors=[], outcome=outcome, pool_id=pool_id)
