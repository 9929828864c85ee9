"""Tiers and paid memberships: the ladder, a member's tier, the plans and what was sold."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from decimal import Decimal

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from partners.tiers import progress, repository
from partners.tiers.ladders import Ladder
from partners.tiers.plans import Catalogue, Plan
from partners.tiers.repository import Sold

from ..context import Info
from .common import Money
from .scalars import Duration


def _factor(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _days(days: int) -> Duration:
    return Duration(timedelta(days=days))


@strawberry.type(description="One tier of a ladder version.")
class TierLevel:
    name: str
    threshold: int = strawberry.field(description="Qualifying points that earn it.")
    multiplier: str = strawberry.field(description="Earn multiplier as a decimal string.")
    benefits: str


@strawberry.type(
    description="A version of the program's tiers, in force from effectiveFrom until a later"
    " version starts."
)
class TierLadder:
    version: int
    effective_from: datetime
    window: Duration = strawberry.field(
        description="Qualifying points count the earns whose purchase falls in this window,"
        " back from now."
    )
    review_every: Duration = strawberry.field(
        description="How long an earned tier holds before it comes up for review."
    )
    grace_days: int = strawberry.field(
        description="Days a member below its tier's threshold at a review keeps the tier."
    )
    tiers: list[TierLevel] = strawberry.field(description="From the lowest threshold up.")

    @classmethod
    def of(cls, ladder: Ladder) -> TierLadder:
        return cls(
            version=ladder.version,
            effective_from=ladder.effective_from,
            window=_days(ladder.window_days),
            review_every=_days(ladder.review_every_days),
            grace_days=ladder.grace_days,
            tiers=[
                TierLevel(
                    name=level.name,
                    threshold=level.threshold,
                    multiplier=_factor(level.multiplier),
                    benefits=level.benefits,
                )
                for level in ladder.levels
            ],
        )


@strawberry.enum(description="EARNED: by qualifying points. PAID: by a running membership.")
class TierSource(enum.Enum):
    EARNED = "EARNED"
    PAID = "PAID"


@strawberry.type(description="The tier above the member's, and the qualifying points missing.")
class NextTier:
    name: str
    threshold: int
    points_to_go: int


@strawberry.type(
    description="The tier that applies to a member now: the higher of the tier its"
    " qualifying points earned and the tier of a running paid membership."
)
class Tier:
    name: str
    multiplier: str = strawberry.field(description="Earn multiplier as a decimal string.")
    benefits: str
    qualifying_points: int = strawberry.field(
        description="Points earned from purchases in the ladder's window, less their returns."
    )
    next_tier: NextTier | None = strawberry.field(description="Null at the top tier.")
    valid_until: datetime | None = strawberry.field(
        description="PAID: when the membership ends. EARNED: the earliest instant a review may"
        " lower it (its review date plus the grace); null for a tier of threshold 0."
    )
    source: TierSource


async def member_tier(info: Info, member_id: int) -> Tier | None:
    async with transaction(info.context.pool) as conn:
        found = await progress.tier_progress(conn, member_id, clock.now())
    if found is None:
        return None
    current, after = found.standing, found.next_tier
    following = None
    if after is not None:
        following = NextTier(
            name=after.name, threshold=after.threshold, points_to_go=after.points_to_go
        )
    return Tier(
        name=current.level.name,
        multiplier=_factor(current.level.multiplier),
        benefits=current.level.benefits,
        qualifying_points=found.qualifying_points,
        next_tier=following,
        valid_until=current.valid_until,
        source=TierSource(current.source.value),
    )


@strawberry.type(description="A plan members may buy: a tier or a multiplier for a term.")
class MembershipPlan:
    code: str
    name: str
    tier: str | None = strawberry.field(description="The tier it grants, or null.")
    multiplier: str | None = strawberry.field(description="The multiplier it grants, or null.")
    term: Duration
    price: Money

    @classmethod
    def of(cls, plan: Plan) -> MembershipPlan:
        return cls(
            code=plan.code,
            name=plan.name,
            tier=plan.tier,
            multiplier=None if plan.multiplier is None else _factor(plan.multiplier),
            term=_days(plan.term_days),
            price=Money.of(plan.price, plan.currency),
        )


@strawberry.type(description="A version of the plans on sale, from effectiveFrom on.")
class MembershipCatalogue:
    version: int
    effective_from: datetime
    plans: list[MembershipPlan]

    @classmethod
    def of(cls, catalogue: Catalogue) -> MembershipCatalogue:
        plans = [MembershipPlan.of(plan) for plan in catalogue.plans]
        return cls(version=catalogue.version, effective_from=catalogue.effective_from, plans=plans)


@strawberry.type(description="A membership a partner sold; the partner owes its price.")
class Membership:
    id: strawberry.ID
    plan_code: str
    plan_name: str
    tier: str | None
    multiplier: str | None
    starts_at: datetime = strawberry.field(
        description="Now, or when the member's running membership of the same plan ends."
    )
    ends_at: datetime
    price: Money
    sold_at: datetime

    @classmethod
    def of(cls, sold: Sold) -> Membership:
        membership = sold.membership
        multiplier = membership.multiplier
        return cls(
            id=strawberry.ID(to_global_id("Membership", membership.id)),
            plan_code=membership.plan_code,
            plan_name=membership.plan_name,
            tier=membership.tier,
            multiplier=None if multiplier is None else _factor(multiplier),
            starts_at=membership.starts_at,
            ends_at=membership.ends_at,
            price=Money.of(sold.price, sold.currency),
            sold_at=sold.sold_at,
        )


async def member_memberships(info: Info, member_id: int) -> list[Membership]:
    async with transaction(info.context.pool) as conn:
        found = await repository.sold(conn, member_id=member_id, ending_after=clock.now())
    return [Membership.of(sold) for sold in found]
