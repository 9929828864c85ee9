"""``updateCampaign`` (admin): the campaign's next version, from now or later on; the fields
given change, the others keep the latest version's value (null clears an optional one)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners.campaigns import checks, writing
from partners.campaigns.terms import Limits, Terms, Version

from ..context import Context, Info
from ..types.campaigns import CampaignFunder
from ..types.common import MoneyInput
from .campaigns_common import (
    CampaignPayload,
    ChanceInput,
    asked,
    funder_of,
    minimum_of,
    partner_ids,
    run_campaign_mutation,
    segment_id,
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


def _given(data: UpdateCampaignInput) -> dict[str, Any]:
    fields = (
        "name", "multiplier", "points", "chance", "starts_at", "ends_at", "partner_codes",
        "categories", "tiers", "segment_code", "minimum_spend", "funded_by", "points_total",
        "points_per_member", "uses_total", "uses_per_member", "control_group_percent",
    )  # fmt: skip
    return {
        name: getattr(data, name) for name in fields if getattr(data, name) is not strawberry.UNSET
    }


def _required(given: dict[str, Any], name: str, field: str) -> None:
    if name in given and given[name] is None:
        raise InvalidInput(f"{field} cannot be cleared", field=[field])


async def _changes(ctx: Context, conn: Conn, given: dict[str, Any]) -> dict[str, Any]:
    """The fields of ``checks.Given`` to change."""
    for name, field in (("name", "name"), ("starts_at", "startsAt"), ("funded_by", "fundedBy")):
        _required(given, name, field)
    same = ("name", "starts_at", "ends_at", "multiplier", "points")
    changes = {name: value for name, value in given.items() if name in same}
    if "chance" in given:
        chance = given["chance"]
        changes["chance"] = None if chance is None else (chance.wins, chance.out_of)
    if "partner_codes" in given:
        changes["partner_ids"] = await partner_ids(conn, given["partner_codes"] or [])
    if "categories" in given:
        changes["categories"] = given["categories"] or ()
    if "tiers" in given:
        changes["tiers"] = given["tiers"] or ()
    if "segment_code" in given:
        changes["segment_id"] = await segment_id(conn, given["segment_code"])
    if "minimum_spend" in given:
        changes["minimum_spend"] = minimum_of(ctx, given["minimum_spend"])
    if "funded_by" in given:
        changes["funder"] = funder_of(given["funded_by"])
    if "control_group_percent" in given:
        changes["control_percent"] = given["control_group_percent"] or "0"
    return changes


def _limits(latest: Limits, given: dict[str, Any]) -> Limits:
    names = ("points_total", "points_per_member", "uses_total", "uses_per_member")
    return replace(latest, **{name: given[name] for name in names if name in given})


async def _update(ctx: Context, conn: Conn, data: UpdateCampaignInput) -> Version:
    given = _given(data)
    changes = await _changes(ctx, conn, given)

    def changed(latest: Version) -> Terms:
        before = checks.given_of(latest.terms)
        after = replace(before, **changes, limits=_limits(before.limits, given))
        return checks.terms(after, promo=latest.campaign.promo_code is not None)

    request: dict[str, Any] = {
        "code": data.code.strip().upper(),
        "effectiveFrom": data.effective_from,
        "changes": {name: str(value) for name, value in sorted(given.items())},
    }
    return await writing.change(
        conn,
        data.code,
        changed,
        effective_from=data.effective_from,
        asked=asked(ctx, data.idempotency_key, request),
        operation="updateCampaign",
        now=clock.now(),
    )


async def update_campaign(info: Info, input: UpdateCampaignInput) -> CampaignPayload:
    return await run_campaign_mutation(info, lambda ctx, conn: _update(ctx, conn, input))
