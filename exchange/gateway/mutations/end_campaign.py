"""``endCampaign`` (admin): the campaign stops at an instant (default now), at every till at
once; its seed is shown from then on."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners.campaigns import writing
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
    now = clock.now()
    at = writing.start_of(data.ends_at, now) if data.ends_at is not None else now
    if data.ends_at is not None and data.ends_at.tzinfo is None:
        raise InvalidInput("endsAt needs a time zone offset", field=["endsAt"])
    request = {"code": data.code.strip().upper(), "endsAt": data.ends_at}
    return await writing.change(
        conn,
        data.code,
        writing.ended(at),
        effective_from=None,
        asked=asked(ctx, data.idempotency_key, request),
        operation="endCampaign",
        now=now,
    )


async def end_campaign(info: Info, input: EndCampaignInput) -> CampaignPayload:
    return await run_campaign_mutation(info, lambda ctx, conn: _end(ctx, conn, input))
