"""``createCampaign`` (admin): a campaign or a promo code, its version 1 in force from now."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from partners.campaigns import admin
from partners.campaigns.terms import Limits, Version

from ..context import Context, Info
from ..types.campaigns import CampaignFunder, CampaignKind
from ..types.common import MoneyInput
from .campaigns_common import (
    CampaignPayload,
    ChanceInput,
    asked,
    funder_of,
    kind_of,
    minimum_of,
    run_campaign_mutation,
)


@strawberry.input
class CreateCampaignInput:
    code: str = strawberry.field(description="1 to 32 letters, digits, _ or - (upper-cased).")
    name: str = strawberry.field(description="What members read beside the points.")
    kind: CampaignKind
    multiplier: str | None = strawberry.field(
        default=None, description='MULTIPLIER: the factor on qualifying lines, e.g. "2".'
    )
    points: int | None = strawberry.field(
        default=None, description="BONUS: points per qualifying purchase; INSTANT_WIN: the prize."
    )
    chance: ChanceInput | None = strawberry.field(
        default=None, description="INSTANT_WIN: the chance per qualifying purchase."
    )
    starts_at: datetime
    ends_at: datetime | None = strawberry.field(
        default=None, description="Required for INSTANT_WIN (its seed is shown then)."
    )
    partner_codes: list[str] = strawberry.field(
        default_factory=list, description="Where it applies; empty: at every partner."
    )
    categories: list[str] = strawberry.field(
        default_factory=list, description="The lines that qualify; empty: every line."
    )
    tiers: list[str] = strawberry.field(
        default_factory=list, description="The tiers it is for; empty: any member."
    )
    segment_code: str | None = strawberry.field(default=None, description="A member segment.")
    minimum_spend: MoneyInput | None = strawberry.field(
        default=None, description="The least the qualifying lines must cost (a minimum order)."
    )
    funded_by: CampaignFunder = strawberry.field(
        default=CampaignFunder.PARTNER,
        description="PARTNER: the partner of the till issues and pays for the points;"
        " OPERATOR: the operator does.",
    )
    points_total: int | None = strawberry.field(default=None, description="Its budget.")
    points_per_member: int | None = None
    uses_total: int | None = strawberry.field(
        default=None, description="Earns it may give points to, in all (a promo code's uses)."
    )
    uses_per_member: int | None = None
    control_group_percent: str = strawberry.field(
        default="0", description="Members held out to measure uplift, 0 to 50 (not for codes)."
    )
    promo_code: str | None = strawberry.field(
        default=None,
        description="Makes it a promo code: it applies only to earns that present this code.",
    )
    idempotency_key: str


async def _create(ctx: Context, conn: Conn, data: CreateCampaignInput) -> Version:
    spec = admin.Spec(
        name=data.name,
        kind=kind_of(data.kind),
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        funder=funder_of(data.funded_by),
        multiplier=data.multiplier,
        points=data.points,
        chance=None if data.chance is None else (data.chance.wins, data.chance.out_of),
        partner_codes=data.partner_codes,
        categories=data.categories,
        tiers=data.tiers,
        segment_code=data.segment_code,
        minimum_spend=minimum_of(ctx, data.minimum_spend),
        limits=Limits(
            data.points_total, data.points_per_member, data.uses_total, data.uses_per_member
        ),
        control_percent=data.control_group_percent,
    )
    return await admin.create(
        conn,
        data.code,
        data.promo_code,
        spec,
        asked=asked(ctx, data.idempotency_key),
        now=clock.now(),
    )


async def create_campaign(info: Info, input: CreateCampaignInput) -> CampaignPayload:
    return await run_campaign_mutation(info, lambda ctx, conn: _create(ctx, conn, input))
