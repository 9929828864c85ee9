"""An admin's campaign, checked field by field (``INVALID_INPUT`` with the path of the field at
fault, relative to the mutation's ``input``). Partner and segment codes are resolved to ids
by the caller; everything else is checked here, pure."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from exchange.kit.errors import InvalidInput
from exchange.kit.money import MAX_POINTS
from partners.campaigns.terms import Chance, Funder, Kind, Limits, Targets, Terms
from partners.earn_rules.checks import category

CODE = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,31}")
"""A campaign's or promo code's form, once upper-cased: 1 to 32 letters, digits, _ or -."""
MAX_NAME = 120
MAX_FACTOR = Decimal(100)
MAX_FACTOR_DECIMALS = 4
MAX_OUT_OF = 1_000_000
MAX_CONTROL = Decimal(50)
MAX_TARGETS = 200


def code(value: str, field: str) -> str:
    """A code upper-cased, or why not."""
    upper = value.strip().upper()
    if not CODE.fullmatch(upper):
        raise InvalidInput(
            f"{field} is 1 to 32 letters, digits, _ or - (starting with a letter or digit)",
            field=[field],
        )
    return upper


def name(value: str) -> str:
    text = value.strip()
    if not 0 < len(text) <= MAX_NAME or not text.isprintable():
        raise InvalidInput(f"name is 1 to {MAX_NAME} printable characters", field=["name"])
    return text


def _decimal(value: str, field: str) -> Decimal:
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidInput(f"{value!r} is not a decimal number", field=[field]) from None
    if not parsed.is_finite():
        raise InvalidInput(f"{value!r} is not a decimal number", field=[field])
    return parsed


def _decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def factor(value: str) -> Decimal:
    parsed = _decimal(value, "multiplier")
    if not 1 < parsed <= MAX_FACTOR or _decimals(parsed) > MAX_FACTOR_DECIMALS:
        raise InvalidInput(
            f"multiplier is more than 1 and at most {MAX_FACTOR}, with at most"
            f" {MAX_FACTOR_DECIMALS} decimals",
            field=["multiplier"],
        )
    return parsed


def control_percent(value: str) -> Decimal:
    parsed = _decimal(value, "controlGroupPercent")
    if not 0 <= parsed <= MAX_CONTROL or _decimals(parsed) > 2:
        raise InvalidInput(
            f"controlGroupPercent is 0 to {MAX_CONTROL}, with at most 2 decimals",
            field=["controlGroupPercent"],
        )
    return parsed


def points(value: int | None, field: str) -> int | None:
    if value is not None and not 0 < value <= MAX_POINTS:
        raise InvalidInput(f"{field} is between 1 and {MAX_POINTS}", field=[field])
    return value


def chance(wins: int, out_of: int) -> Chance:
    if not 0 < wins <= out_of <= MAX_OUT_OF:
        raise InvalidInput(
            f"a chance is wins in outOf, 1 <= wins <= outOf <= {MAX_OUT_OF}", field=["chance"]
        )
    return Chance(wins, out_of)


def _instant(value: datetime | None, field: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise InvalidInput(f"{field} needs a time zone offset", field=[field])
    return value


def _names(given: Sequence[str], field: str) -> tuple[str, ...]:
    if len(given) > MAX_TARGETS:
        raise InvalidInput(f"at most {MAX_TARGETS} {field}", field=[field])
    found: dict[str, str] = {}
    for index, value in enumerate(given):
        checked = category(value, [field, str(index)])
        found.setdefault(checked.casefold(), checked)
    return tuple(found.values())


@dataclass(frozen=True)
class Given:
    """A campaign's terms as an admin gives them (ids resolved, money parsed)."""

    name: str
    kind: Kind
    starts_at: datetime
    ends_at: datetime | None
    funder: Funder = Funder.PARTNER
    multiplier: str | None = None
    points: int | None = None
    chance: tuple[int, int] | None = None
    partner_ids: frozenset[int] = frozenset()
    categories: Sequence[str] = ()
    tiers: Sequence[str] = ()
    segment_id: int | None = None
    minimum_spend: Decimal | None = None
    limits: Limits = field(default_factory=Limits)
    control_percent: str = "0"


def _kind_fields(given: Given) -> tuple[Decimal | None, int | None, Chance | None]:
    kind = given.kind
    if kind is Kind.MULTIPLIER:
        if given.multiplier is None or given.points is not None or given.chance is not None:
            raise InvalidInput("a MULTIPLIER campaign has a multiplier only", field=["multiplier"])
        return factor(given.multiplier), None, None
    if given.points is None or given.multiplier is not None:
        raise InvalidInput(f"a {kind} campaign has points and no multiplier", field=["points"])
    if (kind is Kind.INSTANT_WIN) != (given.chance is not None):
        raise InvalidInput("an INSTANT_WIN campaign, and only one, has a chance", field=["chance"])
    if kind is Kind.INSTANT_WIN and given.ends_at is None:
        raise InvalidInput("an INSTANT_WIN campaign has an end", field=["endsAt"])
    drawn = None if given.chance is None else chance(*given.chance)
    return None, points(given.points, "points"), drawn


def _limits(limits: Limits) -> Limits:
    return Limits(
        points_total=points(limits.points_total, "pointsTotal"),
        points_per_member=points(limits.points_per_member, "pointsPerMember"),
        uses_total=points(limits.uses_total, "usesTotal"),
        uses_per_member=points(limits.uses_per_member, "usesPerMember"),
    )


def terms(given: Given, *, promo: bool) -> Terms:
    """The campaign's terms, or the first field at fault (``promo``: a promo code's)."""
    starts_at = _instant(given.starts_at, "startsAt")
    ends_at = _instant(given.ends_at, "endsAt")
    assert starts_at is not None
    if ends_at is not None and ends_at <= starts_at:
        raise InvalidInput("endsAt is after startsAt", field=["endsAt"])
    factor_, points_, chance_ = _kind_fields(given)
    held = control_percent(given.control_percent)
    if promo and held > 0:
        raise InvalidInput("a promo code holds no one out", field=["controlGroupPercent"])
    if given.minimum_spend is not None and given.minimum_spend <= 0:
        raise InvalidInput("minimumSpend is more than 0", field=["minimumSpend"])
    return Terms(
        name=name(given.name),
        kind=given.kind,
        starts_at=starts_at,
        ends_at=ends_at,
        funder=given.funder,
        factor=factor_,
        points=points_,
        chance=chance_,
        targets=Targets(
            partner_ids=given.partner_ids,
            categories=_names(given.categories, "categories"),
            tiers=_names(given.tiers, "tiers"),
            segment_id=given.segment_id,
        ),
        minimum_spend=given.minimum_spend,
        limits=_limits(given.limits),
        control_percent=held,
    )


def given_of(terms: Terms) -> Given:
    """A version's terms as given, to change some of them and check them again."""
    chance = terms.chance
    return Given(
        name=terms.name,
        kind=terms.kind,
        starts_at=terms.starts_at,
        ends_at=terms.ends_at,
        funder=terms.funder,
        multiplier=None if terms.factor is None else format(terms.factor, "f"),
        points=terms.points,
        chance=None if chance is None else (chance.wins, chance.out_of),
        partner_ids=terms.targets.partner_ids,
        categories=terms.targets.categories,
        tiers=terms.targets.tiers,
        segment_id=terms.targets.segment_id,
        minimum_spend=terms.minimum_spend,
        limits=terms.limits,
        control_percent=format(terms.control_percent, "f"),
    )
