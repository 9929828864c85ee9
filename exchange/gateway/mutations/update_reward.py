"""``updateReward`` (partner keys): change a reward of the partner's catalogue."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput
from partners.rewards import catalogue, checks
from partners.rewards.checks import Reward as RewardRow

from ..context import Context, Info
from .rewards_common import RewardPayload, reward_id, run_reward_mutation


@strawberry.input(description="Only the fields given change; null clears an optional one.")
class UpdateRewardInput:
    reward_id: strawberry.ID
    name: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    active_from: datetime | None = strawberry.UNSET
    active_until: datetime | None = strawberry.UNSET
    stock: int | None = strawberry.field(
        default=strawberry.UNSET,
        description="The units left from now on (redemptions take from it); null: no limit.",
    )


def _required(value: Any, field: str) -> Any:
    if value is None:
        raise InvalidInput(f"{field} cannot be cleared", field=[field])
    return value


def _changes(data: UpdateRewardInput) -> dict[str, Any]:
    """The columns to change, each checked."""
    given: dict[str, Any] = {
        "name": data.name,
        "description": data.description,
        "points": data.points,
        "active_from": data.active_from,
        "active_until": data.active_until,
        "stock": data.stock,
    }
    changes = {column: value for column, value in given.items() if value is not strawberry.UNSET}
    if "name" in changes:
        changes["name"] = checks.name(_required(changes["name"], "name"))
    if "description" in changes:
        changes["description"] = checks.description(changes["description"])
    if "points" in changes:
        changes["points"] = checks.points(_required(changes["points"], "points"))
    if "active_from" in changes:
        _required(changes["active_from"], "activeFrom")
    if "stock" in changes:
        changes["stock"] = checks.stock(changes["stock"])
    return changes


async def _update(ctx: Context, partner_id: int, data: UpdateRewardInput) -> RewardRow:
    found = reward_id(data.reward_id)
    changes = _changes(data)
    async with transaction(ctx.pool) as conn:
        return await catalogue.update(
            conn, found, partner_id=partner_id, changes=changes, now=clock.now()
        )


async def update_reward(info: Info, input: UpdateRewardInput) -> RewardPayload:
    return await run_reward_mutation(info, lambda ctx, partner_id: _update(ctx, partner_id, input))
