"""What a campaign says: versions of its terms, each in force from its ``effective_from`` on.

A campaign is active at an instant when the version in force then says so (``starts_at <= at
< ends_at``); ending it is a new version whose ``ends_at`` is now. A promo code is a campaign
with a ``promo_code``: it applies only to the earns that present that code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property


class Kind(StrEnum):
    MULTIPLIER = "MULTIPLIER"
    """Every qualifying line earns x factor (on top of its rate and the tier's)."""
    BONUS = "BONUS"
    """A fixed number of points per qualifying purchase."""
    INSTANT_WIN = "INSTANT_WIN"
    """A prize in points, won with a stated chance per qualifying purchase."""


class Funder(StrEnum):
    PARTNER = "PARTNER"
    """The partner at whose till the purchase is made issues (and pays for) the points."""
    OPERATOR = "OPERATOR"
    """The operator issues them: it pays the redeeming partner when they are spent."""


class Limit(StrEnum):
    """The limits a campaign's points are counted against (under the member's lock)."""

    USES_PER_MEMBER = "USES_PER_MEMBER"
    USES_TOTAL = "USES_TOTAL"
    POINTS_PER_MEMBER = "POINTS_PER_MEMBER"
    POINTS_TOTAL = "POINTS_TOTAL"


@dataclass(frozen=True)
class Chance:
    """``wins`` in ``out_of`` (1 in 4: Chance(1, 4))."""

    wins: int
    out_of: int


@dataclass(frozen=True)
class Limits:
    """None: no limit. A use is an earn the campaign gave points to."""

    points_total: int | None = None
    points_per_member: int | None = None
    uses_total: int | None = None
    uses_per_member: int | None = None


@dataclass(frozen=True)
class Targets:
    """Who and what a campaign applies to; an empty set: everyone (everything)."""

    partner_ids: frozenset[int] = frozenset()
    categories: tuple[str, ...] = ()
    """Basket categories whose lines qualify (matched whatever their case)."""
    tiers: tuple[str, ...] = ()
    """Tier names a member must have one of at the earn (matched whatever their case)."""
    segment_id: int | None = None

    @cached_property
    def _categories(self) -> frozenset[str]:
        return frozenset(name.casefold() for name in self.categories)

    @cached_property
    def _tiers(self) -> frozenset[str]:
        return frozenset(name.casefold() for name in self.tiers)

    def partner(self, partner_id: int) -> bool:
        return not self.partner_ids or partner_id in self.partner_ids

    def category(self, category: str) -> bool:
        return not self.categories or category.casefold() in self._categories

    def tier(self, tier: str | None) -> bool:
        return not self.tiers or (tier is not None and tier.casefold() in self._tiers)


@dataclass(frozen=True)
class Terms:
    name: str
    kind: Kind
    starts_at: datetime
    ends_at: datetime | None
    funder: Funder
    factor: Decimal | None = None
    """MULTIPLIER: more than 1, e.g. 2."""
    points: int | None = None
    """BONUS: the points; INSTANT_WIN: the prize."""
    chance: Chance | None = None
    """INSTANT_WIN."""
    targets: Targets = field(default_factory=Targets)
    minimum_spend: Decimal | None = None
    """The least the qualifying lines must cost together."""
    limits: Limits = field(default_factory=Limits)
    control_percent: Decimal = Decimal(0)
    """The share of members held out (0 to 50), for measuring uplift."""

    def running(self, at: datetime) -> bool:
        return self.starts_at <= at and (self.ends_at is None or at < self.ends_at)


@dataclass(frozen=True)
class Campaign:
    id: int
    code: str
    promo_code: str | None
    seed_sha256: str
    created_at: datetime


@dataclass(frozen=True)
class Version:
    """One version of a campaign's terms (never edited)."""

    id: int
    campaign: Campaign
    version: int
    effective_from: datetime
    terms: Terms
    created_at: datetime | None = None


@dataclass(frozen=True)
class Segment:
    id: int
    code: str
    name: str
    enrolled_from: datetime | None = None
    enrolled_until: datetime | None = None
    """Both None: a list of members (kept in the database); else enrolled in [from, until)."""

    @property
    def is_list(self) -> bool:
        return self.enrolled_from is None and self.enrolled_until is None

    def enrolled(self, at: datetime) -> bool:
        return (self.enrolled_from is None or self.enrolled_from <= at) and (
            self.enrolled_until is None or at < self.enrolled_until
        )


@dataclass(frozen=True)
class MemberView:
    """What campaigns may ask of a member at an earn."""

    id: int
    tier: str | None = None
    enrolled_at: datetime | None = None
    """Read only when a campaign targets an enrolment segment."""
    lists: frozenset[int] = frozenset()
    """The list segments the member is in (of those the campaigns at hand target)."""

    def in_segment(self, segment: Segment) -> bool:
        if segment.is_list:
            return segment.id in self.lists
        return self.enrolled_at is not None and segment.enrolled(self.enrolled_at)
