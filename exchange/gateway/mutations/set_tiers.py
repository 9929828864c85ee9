"""``setTiers`` (admin): a new version of the program's tier ladder, in force from
``effectiveFrom`` (now or later) on."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.tiers import checks, setting

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import UserError
from ..types.scalars import Duration
from ..types.tiers import TierLadder


@strawberry.input
class TierInput:
    name: str = strawberry.field(description="1 to 40 printable characters, unique.")
    threshold: int = strawberry.field(description="Qualifying points that earn the tier.")
    multiplier: str = strawberry.field(
        default="1", description="Earn multiplier: a decimal above 0, at most 100, 4 decimals."
    )
    benefits: str = strawberry.field(default="", description="At most 2,000 characters.")


@strawberry.input
class SetTiersInput:
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the version starts (default: now; never in the past)."
    )
    tiers: list[TierInput] = strawberry.field(
        description="From the lowest threshold up; a tier of threshold 0 is every member's."
        " No tiers at all: the program has none from effectiveFrom on."
    )
    window: Duration = strawberry.field(
        description="Whole days (P365D): qualifying points count purchases in this window."
    )
    review_every: Duration = strawberry.field(
        description="Whole days an earned tier holds before it comes up for review (P90D)."
    )
    grace_days: int = strawberry.field(
        default=0, description="Days a member below its threshold at a review keeps its tier."
    )
    idempotency_key: str


@strawberry.type
class SetTiersPayload:
    ladder: TierLadder | None
    user_errors: list[UserError]


def _ladder(data: SetTiersInput) -> checks.NewLadder:
    levels = [
        checks.NewLevel(
            name=tier.name,
            threshold=tier.threshold,
            multiplier=checks.multiplier(tier.multiplier, ["tiers", str(index), "multiplier"]),
            benefits=tier.benefits,
        )
        for index, tier in enumerate(data.tiers)
    ]
    return checks.ladder(
        levels, window=data.window, review_every=data.review_every, grace_days=data.grace_days
    )


async def _set(ctx: Context, data: SetTiersInput) -> SetTiersPayload:
    principal = ctx.principal
    new = _ladder(data)
    async with transaction(ctx.pool) as conn:
        ladder = await setting.set_tiers(
            conn,
            new,
            effective_from=data.effective_from,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
    return SetTiersPayload(ladder=TierLadder.of(ladder), user_errors=[])


async def set_tiers(info: Info, input: SetTiersInput) -> SetTiersPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetTiersPayload(ladder=None, user_errors=[UserError.of(error)])
