"""The reward catalogue: rewards, their connection, and the ``rewards`` listing."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import from_global_id, to_global_id
from exchange.ledger.queries import MAX_PAGE
from partners import registry
from partners.rewards import catalogue
from partners.rewards.checks import Reward as RewardRow

from ..auth import Principal
from ..context import Info
from .common import Node, PageInfo, described
from .partners import Partner

CURSOR = "RewardCursor"


@strawberry.enum(description="ACTIVE: offered within its window. RETIRED: no longer offered.")
class RewardStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    RETIRED = "RETIRED"


@strawberry.type(description="Something a partner offers for points (redeemReward).")
class Reward(Node):
    name: str
    description: str | None
    points: int = strawberry.field(description="Its price in points.")
    active_from: datetime
    active_until: datetime | None = strawberry.field(description="Null: offered until retired.")
    stock: int | None = strawberry.field(description="Units left; null: no limit.")
    status: RewardStatus
    available: bool = strawberry.field(
        description="Redeemable now: ACTIVE, within its window and in stock."
    )
    created_at: datetime
    updated_at: datetime
    partner_id: strawberry.Private[int]

    @described("The partner that offers it (and where it is redeemed).")
    async def partner(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partners.load(self.partner_id)
        return None if found is None else Partner.of(found)

    @classmethod
    def of(cls, reward: RewardRow) -> Reward:
        return cls(
            id=strawberry.ID(to_global_id("Reward", reward.id)),
            name=reward.name,
            description=reward.description,
            points=reward.points,
            active_from=reward.active_from,
            active_until=reward.active_until,
            stock=reward.stock,
            status=RewardStatus(reward.status),
            available=reward.available(clock.now()),
            created_at=reward.created_at,
            updated_at=reward.updated_at,
            partner_id=reward.partner_id,
        )

    @classmethod
    async def load(cls, info: Info, reward_id: int) -> Reward | None:
        """Any reward by id: the catalogue is public."""
        try:
            async with transaction(info.context.pool) as conn:
                return cls.of(await catalogue.get(conn, reward_id))
        except NotFound:
            return None


@strawberry.type
class RewardEdge:
    cursor: str
    node: Reward


@strawberry.type(description="Rewards in the order partners listed them.")
class RewardConnection:
    edges: list[RewardEdge]
    page_info: PageInfo


def _after_id(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, reward_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return reward_id


def _scope(principal: Principal, partner_id: int | None) -> tuple[int | None, bool]:
    """Whose rewards, and whether only those offered now: staff and a partner reading its
    own see every reward (retired, not yet or no longer offered); anyone else what is
    offered. A partner key without partnerCode reads its own."""
    if principal.member_id is not None:
        return partner_id, True
    if principal.is_staff:
        return partner_id, False
    own = principal.partner_id
    if partner_id is None:
        return own, False
    return partner_id, partner_id != own


async def rewards(
    info: Info, partner_code: str | None = None, first: int = 20, after: str | None = None
) -> RewardConnection:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
    after_id = _after_id(after)
    ctx = info.context
    async with transaction(ctx.pool) as conn:
        partner_id = None
        if partner_code is not None:
            partner_id = (await registry.get_partner(conn, code=partner_code)).id
        scope, offered_only = _scope(ctx.principal, partner_id)
        found, more = await catalogue.page(
            conn,
            partner_id=scope,
            offered_only=offered_only,
            at=clock.now(),
            after_id=after_id,
            first=first,
        )
    edges = [RewardEdge(cursor=to_global_id(CURSOR, row.id), node=Reward.of(row)) for row in found]
    page = PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return RewardConnection(edges=edges, page_info=page)
