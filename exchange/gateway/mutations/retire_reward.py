"""``retireReward`` (partner keys): a reward of the partner's catalogue is no longer offered."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from partners.rewards import catalogue
from partners.rewards.checks import Reward as RewardRow

from ..context import Context, Info
from .rewards_common import RewardPayload, reward_id, run_reward_mutation


@strawberry.input
class RetireRewardInput:
    reward_id: strawberry.ID


async def _retire(ctx: Context, partner_id: int, data: RetireRewardInput) -> RewardRow:
    found = reward_id(data.reward_id)
    async with transaction(ctx.pool) as conn:
        return await catalogue.retire(conn, found, partner_id=partner_id, now=clock.now())


async def retire_reward(info: Info, input: RetireRewardInput) -> RewardPayload:
    return await run_reward_mutation(info, lambda ctx, partner_id: _retire(ctx, partner_id, input))
