"""``createReward`` (partner keys): a reward in the partner's catalogue."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from partners.rewards import catalogue
from partners.rewards.checks import Reward as RewardRow

from ..context import Context, Info
from .rewards_common import RewardPayload, run_reward_mutation


@strawberry.input
class CreateRewardInput:
    name: str = strawberry.field(description='1 to 200 characters, e.g. "20 litres of fuel".')
    description: str | None = strawberry.field(
        default=None, description="At most 2,000 characters."
    )
    points: int = strawberry.field(description="Its price in points.")
    active_from: datetime | None = strawberry.field(
        default=None, description="When it is first offered; default now."
    )
    active_until: datetime | None = strawberry.field(
        default=None, description="When it stops being offered; absent: until retired."
    )
    stock: int | None = strawberry.field(
        default=None, description="Units on offer (0 or more); absent: no limit."
    )
    idempotency_key: str


async def _create(ctx: Context, partner_id: int, data: CreateRewardInput) -> RewardRow:
    now = clock.now()
    new = catalogue.NewReward.checked(
        name=data.name,
        description=data.description,
        points=data.points,
        active_from=now if data.active_from is None else data.active_from,
        active_until=data.active_until,
        stock=data.stock,
    )
    async with transaction(ctx.pool) as conn:
        return await catalogue.create(
            conn,
            new,
            partner_id=partner_id,
            caller=ctx.principal.caller,
            key=data.idempotency_key,
            request=new.request(data.active_from),
            now=now,
        )


async def create_reward(info: Info, input: CreateRewardInput) -> RewardPayload:
    return await run_reward_mutation(info, lambda ctx, partner_id: _create(ctx, partner_id, input))
