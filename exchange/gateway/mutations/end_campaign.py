"""``endCampaign`` (admin): the campaign stops at an instant (default now), at every till at
once; its seed is shown from then on."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from partners.campaigns import admin
from partners.campaigns.terms import Version

from ..context import Context, Info
from .campaigns_common import CampaignPayload, asked, run_campaign_mutation


@strawberry.input
class EndCampaignInput:
    code: str
    ends_at: datetime | None = strawberry.field(
        default=None, description="When it stops (default: now; not in the past)."
    )
    idempotency_key: str


async def _end(ctx: Context, conn: Conn, data: EndCampaignInput) -> Version:
    asking = asked(ctx, data.idempotency_key)
    return await admin.end(conn, data.code, data.ends_at, asked=asking, now=clock.now())


async def end_campaign(info: Info, input: EndCampaignInput) -> CampaignPayload:
    return await run_campaign_mutation(info, lambda ctx, conn: _end(ctx, conn, input))
