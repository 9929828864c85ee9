"""What an admin asks of campaigns, by codes (GraphQL and the CLI alike): partner and segment
codes resolved, the terms checked (``checks``), the change written (``writing``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners.campaigns import checks, segments, store, writing
from partners.campaigns.terms import Funder, Kind, Limits, Terms, Version
from partners.campaigns.writing import Asked
from partners.versions import CLOCK_SKEW


@dataclass(frozen=True)
class Spec:
    """A campaign's terms as an admin gives them, by codes."""

    name: str
    kind: Kind
    starts_at: datetime
    ends_at: datetime | None = None
    funder: Funder = Funder.PARTNER
    multiplier: str | None = None
    points: int | None = None
    chance: tuple[int, int] | None = None
    partner_codes: Sequence[str] = ()
    categories: Sequence[str] = ()
    tiers: Sequence[str] = ()
    segment_code: str | None = None
    minimum_spend: Decimal | None = None
    limits: Limits = field(default_factory=Limits)
    control_percent: str = "0"


SPEC_FIELDS = frozenset(f.name for f in fields(Spec))
LIMIT_FIELDS = ("points_total", "points_per_member", "uses_total", "uses_per_member")


async def _resolved(conn: Conn, changes: dict[str, Any]) -> dict[str, Any]:
    """``checks.Given`` fields from Spec fields (codes to ids)."""
    given = dict(changes)
    if "partner_codes" in given:
        codes = list(given.pop("partner_codes") or ())
        given["partner_ids"] = frozenset() if not codes else await store.partner_ids(conn, codes)
    if "segment_code" in given:
        code = given.pop("segment_code")
        given["segment_id"] = None if code is None else (await segments.by_code(conn, code)).id
    return given


async def create(
    conn: Conn, code: str, promo_code: str | None, spec: Spec, *, asked: Asked, now: datetime
) -> Version:
    code = checks.code(code, "code")
    promo = None if promo_code is None else checks.code(promo_code, "promoCode")
    changes = {name: getattr(spec, name) for name in SPEC_FIELDS}
    given = checks.Given(**await _resolved(conn, changes))
    terms = checks.terms(given, promo=promo is not None)
    request = {"code": code, "promoCode": promo, **writing.terms_request(terms)}
    return await writing.create(
        conn, code, promo, terms, asked=replace(asked, request=request), now=now
    )


async def update(
    conn: Conn,
    code: str,
    changes: dict[str, Any],
    *,
    effective_from: datetime | None,
    asked: Asked,
    now: datetime,
) -> Version:
    """The campaign's next version: ``changes`` (Spec fields, and the limits by name) over
    the latest version's terms."""
    limits = {name: changes.pop(name) for name in LIMIT_FIELDS if name in changes}
    resolved = await _resolved(conn, changes)

    def changed(latest: Version) -> Terms:
        before = checks.given_of(latest.terms)
        after = replace(before, **resolved, limits=replace(before.limits, **limits))
        return checks.terms(after, promo=latest.campaign.promo_code is not None)

    request = {
        "code": code.strip().upper(),
        "effectiveFrom": effective_from,
        "changes": {name: str(value) for name, value in sorted({**changes, **limits}.items())},
    }
    return await writing.change(
        conn,
        code,
        changed,
        effective_from=effective_from,
        asked=replace(asked, request=request),
        operation="updateCampaign",
        now=now,
    )


async def end(
    conn: Conn, code: str, at: datetime | None, *, asked: Asked, now: datetime
) -> Version:
    """The campaign stops at ``at`` (None: now; not in the past)."""
    stop = now
    if at is not None:
        if at.tzinfo is None:
            raise InvalidInput("endsAt needs a time zone offset", field=["endsAt"])
        if at < now - CLOCK_SKEW:
            raise InvalidInput("endsAt is in the past", field=["endsAt"])
        stop = at
    request = {"code": code.strip().upper(), "endsAt": at}
    return await writing.change(
        conn,
        code,
        writing.ended(stop),
        effective_from=None,
        asked=replace(asked, request=request),
        operation="endCampaign",
        now=now,
    )
