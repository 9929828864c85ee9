"""What the reward catalogue's mutations share: the payload, ids, running as the partner."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange.kit.errors import ExchangeError
from partners.rewards.checks import Reward as RewardRow
from partners.rewards.errors import RewardNotFound

from ..auth import require_partner
from ..context import Context, Info
from ..types.common import UserError
from ..types.rewards import Reward
from .common import decode_id


@strawberry.type
class RewardPayload:
    reward: Reward | None
    user_errors: list[UserError]


def reward_id(global_id: str) -> int:
    return decode_id(global_id, "Reward", RewardNotFound, "rewardId")


async def run_reward_mutation(
    info: Info, work: Callable[[Context, int], Awaitable[RewardRow]]
) -> RewardPayload:
    """Change the calling partner's catalogue (partner keys); a refusal is a userError."""
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    try:
        found = await work(ctx, partner_id)
    except ExchangeError as error:
        return RewardPayload(reward=None, user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return RewardPayload(reward=Reward.of(found), user_errors=[])
