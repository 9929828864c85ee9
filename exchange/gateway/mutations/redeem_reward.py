"""``redeemReward`` (partner keys): a member takes a reward of the partner's catalogue.

A burn at the partner of the reward's points, through the burn path and its rules (a reward
is priced in points: the basket rules do not apply), and, in the same transaction, the
reward's unit taken from its stock. ``refundBurn`` of that burn, whole, gives the unit back.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import burning, idempotency
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome, Request
from partners.burn_rules import evaluation, record
from partners.rewards import catalogue, checks, redemption
from partners.rewards.checks import Reward as RewardRow

from ..burn_limits import limits_now
from ..context import Context, Info
from ..types.rewards import Reward
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)
from .rewards_common import reward_id


@strawberry.input
class RedeemRewardInput:
    member_id: strawberry.ID
    reward_id: strawberry.ID = strawberry.field(description="A reward of the calling partner.")
    idempotency_key: str


async def _resolve_reward(root: OutcomePayload, info: Info) -> Reward | None:
    if root.outcome is None or root.outcome.transaction_id is None:
        return None
    async with transaction(info.context.pool) as conn:
        cur = await conn.execute(
            "SELECT reward_id FROM reward_redemptions WHERE entry_id = %s",
            (root.outcome.transaction_id,),
        )
        row = await cur.fetchone()
    return None if row is None else await Reward.load(info, row["reward_id"])


@strawberry.type
class RedeemRewardPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The BURN.")
    member = strawberry.field(resolver=resolve_member, description="The member after it.")
    reward = strawberry.field(resolver=_resolve_reward, description="The reward, after it.")


async def _burn(
    ctx: Context, conn: Conn, request: Request, reward: RewardRow, member_id: int, now: datetime
) -> Outcome:
    limits = await limits_now(ctx, reward.partner_id, None, now, reward=True)
    evaluation.check(limits, reward.points)
    details = record.details(limits) or {}
    details["reward"] = {"id": to_global_id("Reward", reward.id), "name": reward.name}
    return await burning.burn(
        conn,
        request,
        member_id=member_id,
        partner_id=reward.partner_id,
        points=reward.points,
        order_id=None,
        now=now,
        details=details,
        reason=f"Reward: {reward.name}",
    )


async def _redeem(ctx: Context, partner_id: int, data: RedeemRewardInput) -> Outcome:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    found = reward_id(data.reward_id)
    request = ledger_request(
        ctx, data.idempotency_key, "redeemReward", {"memberId": member_id, "rewardId": found}
    )
    now = clock.now()
    async with transaction(ctx.pool) as conn:
        stored = await idempotency.recall(
            conn,
            caller=request.caller,
            key=request.idempotency_key,
            operation=request.operation,
            request=request.body,
        )
        if stored is not None:  # done before: whatever the reward or the rules are now
            return Outcome.from_json(stored)
        reward = await catalogue.get_own(conn, found, partner_id)
        checks.redeemable(reward, now)
        outcome = await _burn(ctx, conn, request, reward, member_id, now)
        assert outcome.transaction_id is not None
        await redemption.take(
            conn, reward, entry_id=outcome.transaction_id, member_id=outcome.member_id, at=now
        )
        return outcome


async def redeem_reward(info: Info, input: RedeemRewardInput) -> RedeemRewardPayload:
    return await run_partner_mutation(
        info, RedeemRewardPayload, lambda ctx, partner_id: _redeem(ctx, partner_id, input)
    )
