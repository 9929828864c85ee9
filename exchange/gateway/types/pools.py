"""Pooled accounts: a pool, its members (for its owner), and a member's place in each pool
with what it may spend now."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from partners.pools import managing
from partners.pools import repository as repo
from partners.pools.managing import Standing

from ..context import Info
from .common import described


@strawberry.enum(
    description="OWNER: manages the members, spends without limit. SPENDER: spends within its"
    " limits. CONTRIBUTOR: contributes only. Every member contributes."
)
class PoolRole(enum.Enum):
    OWNER = "OWNER"
    SPENDER = "SPENDER"
    CONTRIBUTOR = "CONTRIBUTOR"


@strawberry.type(description="One of a pool's members, as its owner sees it.")
class PoolMember:
    member_id: strawberry.ID
    email: str | None
    role: PoolRole
    daily_limit: int | None = strawberry.field(description="Points a UTC day; null: no limit.")
    monthly_limit: int | None = strawberry.field(
        description="Points a calendar month; null: no limit."
    )
    spent_today: int
    spent_this_month: int


@strawberry.type(
    description="A pooled account (a family, a company): points its members contributed, with"
    " their issuers and expiry, that named members spend at partners."
)
class Pool:
    id: strawberry.ID
    name: str
    balance: int
    available_balance: int
    created_at: datetime
    account_id: strawberry.ID = strawberry.field(
        description="The pool's own account: the member id its transactions carry."
    )
    pool_id: strawberry.Private[int]
    owned_by_caller: strawberry.Private[bool]

    @described("Its members, the owner first (the owner only; else null).")
    async def members(self, info: Info) -> list[PoolMember] | None:
        if not self.owned_by_caller:
            return None
        day, month = managing.this_month(clock.now())
        async with transaction(info.context.pool) as conn:
            found = await repo.members_of(conn, self.pool_id, day=day, month=month)
        return [
            PoolMember(
                member_id=strawberry.ID(to_global_id("Member", m.member_id)),
                email=m.email,
                role=PoolRole(m.membership.role),
                daily_limit=m.membership.daily_limit,
                monthly_limit=m.membership.monthly_limit,
                spent_today=m.spent.today,
                spent_this_month=m.spent.this_month,
            )
            for m in found
        ]


@strawberry.type(description="A member's place in a pool, and what it may spend from it now.")
class PoolMembership:
    pool: Pool
    role: PoolRole
    daily_limit: int | None
    monthly_limit: int | None
    spent_today: int
    spent_this_month: int
    spendable_now: int = strawberry.field(
        description="What the member may spend from the pool now: its limits left and the"
        " pool's available points, the lower (0 for a contributor)."
    )

    @classmethod
    def of(cls, standing: Standing, *, caller_is_member: bool) -> PoolMembership:
        pool = standing.pool
        place = standing.membership
        return cls(
            pool=Pool(
                id=strawberry.ID(to_global_id("Pool", pool.id)),
                name=pool.name,
                balance=standing.balance,
                available_balance=standing.available,
                created_at=pool.created_at,
                account_id=strawberry.ID(to_global_id("Member", pool.account_id)),
                pool_id=pool.id,
                owned_by_caller=caller_is_member and place.role == "OWNER",
            ),
            role=PoolRole(place.role),
            daily_limit=place.daily_limit,
            monthly_limit=place.monthly_limit,
            spent_today=standing.spent.today,
            spent_this_month=standing.spent.this_month,
            spendable_now=standing.spendable,
        )


async def member_pools(info: Info, member_id: int) -> list[PoolMembership]:
    """The member's pools (the member itself, staff, and partners it was shown)."""
    async with transaction(info.context.pool) as conn:
        found = await managing.standings(conn, member_id, now=clock.now())
    own = info.context.principal.member_id == member_id
    return [PoolMembership.of(standing, caller_is_member=own) for standing in found]
