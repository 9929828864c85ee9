"""``updateCampaign`` (admin): the campaign's next version, from now or later on; the fields
given change, the others keep the latest version's value (null clears an optional one)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners.campaigns import admin
from partners.campaigns.terms import Version

from ..context import Context, Info
from ..types.campaigns import CampaignFunder
from ..types.common import MoneyInput
from .campaigns_common import (
    CampaignPayload,
    ChanceInput,
    asked,
    funder_of,
    minimum_of,
    run_campaign_mutation,
)


@strawberry.input(description="Only the fields given change; null clears an optional one.")
class UpdateCampaignInput:
    code: str
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the version starts (default: now; never in the past)."
    )
    name: str | None = strawberry.UNSET
    multiplier: str | None = strawberry.UNSET
    points: int | None = strawberry.UNSET
    chance: ChanceInput | None = strawberry.UNSET
    starts_at: datetime | None = strawberry.UNSET
    ends_at: datetime | None = strawberry.UNSET
    partner_codes: list[str] | None = strawberry.UNSET
    categories: list[str] | None = strawberry.UNSET
    tiers: list[str] | None = strawberry.UNSET
    segment_code: str | None = strawberry.UNSET
    minimum_spend: MoneyInput | None = strawberry.UNSET
    funded_by: CampaignFunder | None = strawberry.UNSET
    points_total: int | None = strawberry.UNSET
    points_per_member: int | None = strawberry.UNSET
    uses_total: int | None = strawberry.UNSET
    uses_per_member: int | None = strawberry.UNSET
    control_group_percent: str | None = strawberry.UNSET
    idempotency_key: str


RENAMED = {
    "funded_by": "funder",
    "control_group_percent": "control_percent",
}
"""Input fields named otherwise in ``partners.campaigns.admin.Spec``."""


def _required(given: dict[str, Any], name: str) -> None:
    if name in given and given[name] is None:
        field = "".join(w if i == 0 else w.title() for i, w in enumerate(name.split("_")))
        raise InvalidInput(f"{field} cannot be cleared", field=[field])


def _changes(ctx: Context, data: UpdateCampaignInput) -> dict[str, Any]:
    """The Spec fields (and limits) the input changes."""
    names = [f.name for f in dataclasses.fields(data) if f.name not in KEPT]
    given = {name: getattr(data, name) for name in names}
    given = {name: value for name, value in given.items() if value is not strawberry.UNSET}
    for name in ("name", "starts_at", "funded_by"):
        _required(given, name)
    if "chance" in given:
        chance = given["chance"]
        given["chance"] = None if chance is None else (chance.wins, chance.out_of)
    if "minimum_spend" in given:
        given["minimum_spend"] = minimum_of(ctx, given["minimum_spend"])
    if "funded_by" in given:
        given["funded_by"] = funder_of(given["funded_by"])
    for name in ("partner_codes", "categories", "tiers"):
        if name in given:
            given[name] = given[name] or ()
    if "control_group_percent" in given:
        given["control_group_percent"] = given["control_group_percent"] or "0"
    return {RENAMED.get(name, name): value for name, value in given.items()}


KEPT = ("code", "effective_from", "idempotency_key")


async def _update(ctx: Context, conn: Conn, data: UpdateCampaignInput) -> Version:
    return await admin.update(
        conn,
        data.code,
        _changes(ctx, data),
        effective_from=data.effective_from,
        asked=asked(ctx, data.idempotency_key),
        now=clock.now(),
    )


async def update_campaign(info: Info, input: UpdateCampaignInput) -> CampaignPayload:
    return await run_campaign_mutation(info, lambda ctx, conn: _update(ctx, conn, input))
