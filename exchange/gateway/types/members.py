"""Members as a partner or staff sees them: balances always, PII only for staff."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Annotated

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import queries
from partners.referrals import repository as referrals

from ..auth import Principal
from ..context import Info
from .common import Node, described
from .pools import PoolMembership, member_pools
from .scalars import Duration
from .tiers import Membership, Tier, member_memberships, member_tier
from .transactions import TransactionConnection, transaction_page

if TYPE_CHECKING:
    from .conversions import ConversionConnection

NINETY_DAYS = Duration(timedelta(days=90))


@strawberry.enum
class MemberStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


@strawberry.type(description="Points that expire at one instant unless spent first.")
class ExpiringPoints:
    points: int
    expires_at: datetime


@strawberry.type(description="A coalition member. Partners see balances, never contact details.")
class Member(Node):
    balance: int = strawberry.field(
        description="Points owned: lots less debt (negative while a debt is larger)."
    )
    available_balance: int = strawberry.field(
        description="Points spendable now: available lots less held points and debt."
    )
    held_points: int = strawberry.field(description="Points reserved by open holds.")
    pending_points: int = strawberry.field(
        description="Points earned but not yet available (a return window)."
    )
    debt_points: int = strawberry.field(
        description="Points owed after a reversal of spent points; later earns repay it first."
    )
    status: MemberStatus
    external_id: str | None = strawberry.field(
        description="The calling partner's own id for this member; null for staff."
    )
    email: str | None = strawberry.field(
        description="Staff and the member itself only; null for partners."
    )
    phone: str | None = strawberry.field(
        description="Staff and the member itself only; null for partners."
    )
    card_number: str | None = strawberry.field(
        description="Staff and the member itself only; null for partners."
    )
    created_at: datetime
    member_id: strawberry.Private[int]
    sees_contact: strawberry.Private[bool] = False

    @described(
        "The member's referral code, to give friends who enrol (staff and the member itself"
        " only; null for partners)."
    )
    async def referral_code(self, info: Info) -> str | None:
        if not self.sees_contact:
            return None
        async with transaction(info.context.pool) as conn:
            return await referrals.code_of(conn, self.member_id)

    @described(
        "The member's tier now: the higher of the tier its qualifying points earned and a"
        " running paid membership's; null when the program has no tiers or the member none."
    )
    async def tier(self, info: Info) -> Tier | None:
        return await member_tier(info, self.member_id)

    @described(
        "The member's paid memberships running or still to come (a plan bought again starts"
        " when the running one ends), the latest sold first."
    )
    async def memberships(self, info: Info) -> list[Membership]:
        return await member_memberships(info, self.member_id)

    @described(
        "The pools (pooled accounts) the member belongs to, with its role, its limits and what"
        " it may spend from each now. A partner offers these at the till (burnPoolPoints)."
    )
    async def pools(self, info: Info) -> list[PoolMembership]:
        return await member_pools(info, self.member_id)

    @described("Spendable points that expire within `within` from now.")
    async def expiring_points(
        self, info: Info, within: Duration = NINETY_DAYS
    ) -> list[ExpiringPoints]:
        now = clock.now()
        async with transaction(info.context.read_pool) as conn:
            rows = await queries.expiring_points(conn, self.member_id, until=now + within, now=now)
        return [ExpiringPoints(points=points, expires_at=at) for at, points in rows]

    @described("This member's transactions the caller may see, newest first.")
    async def transactions(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> TransactionConnection:
        return await transaction_page(
            info, first=first, after=after, member_id=self.member_id, since=None
        )

    @described(
        "The member's conversions to and from partners' programs the caller may see, newest"
        " first (the member's own, or the calling partner's)."
    )
    async def conversions(
        self, info: Info, first: int = 20, after: str | None = None
    ) -> Annotated[ConversionConnection, strawberry.lazy("exchange.gateway.types.conversions")]:
        from .conversions import conversion_page

        return await conversion_page(
            info, first=first, after=after, member_id=self.member_id, status=None
        )

    @classmethod
    def of(cls, summary: queries.MemberSummary, principal: Principal) -> Member:
        staff = principal.is_staff or principal.member_id == summary.id
        return cls(
            id=strawberry.ID(to_global_id("Member", summary.id)),
            balance=summary.balance,
            available_balance=summary.available,
            held_points=summary.held,
            pending_points=summary.pending,
            debt_points=summary.debt,
            status=MemberStatus(summary.status),
            external_id=summary.external_id,
            email=summary.email if staff else None,
            phone=summary.phone if staff else None,
            card_number=summary.card_number if staff else None,
            created_at=summary.created_at,
            member_id=summary.id,
            sees_contact=staff,
        )

    @classmethod
    async def load(cls, info: Info, member_id: int) -> Member | None:
        summary = await info.context.loaders.members.load(member_id)
        return None if summary is None else cls.of(summary, info.context.principal)
