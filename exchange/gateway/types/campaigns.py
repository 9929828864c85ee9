"""Campaigns and promo codes (versions never edited), member segments, what a campaign did at
an earn, and an instant win's draw re-checked."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from exchange.kit.ids import to_global_id
from partners.campaign_earns import Quoted
from partners.campaigns import explain
from partners.campaigns.evaluation import Skipped
from partners.campaigns.record import Outcome
from partners.campaigns.terms import Campaign as CampaignHeader
from partners.campaigns.terms import Chance as ChanceTerms
from partners.campaigns.terms import Segment as SegmentTerms
from partners.campaigns.terms import Version
from partners.campaigns.verifying import DrawCheck

from .common import Money


@strawberry.enum(description="What a campaign gives.")
class CampaignKind(enum.Enum):
    MULTIPLIER = "MULTIPLIER"
    BONUS = "BONUS"
    INSTANT_WIN = "INSTANT_WIN"


@strawberry.enum(description="Who issues (and pays for) a campaign's points.")
class CampaignFunder(enum.Enum):
    PARTNER = "PARTNER"
    OPERATOR = "OPERATOR"


@strawberry.enum(description="A campaign's limit that cut its points at an earn.")
class CampaignLimit(enum.Enum):
    USES_PER_MEMBER = "USES_PER_MEMBER"
    USES_TOTAL = "USES_TOTAL"
    POINTS_PER_MEMBER = "POINTS_PER_MEMBER"
    POINTS_TOTAL = "POINTS_TOTAL"


@strawberry.enum(description="Where a campaign stands now, by the version in force.")
class CampaignStatus(enum.Enum):
    SCHEDULED = "SCHEDULED"
    RUNNING = "RUNNING"
    ENDED = "ENDED"


@strawberry.type(description="`wins` in `outOf` (one in four: 1 in 4).")
class Chance:
    wins: int
    out_of: int

    @classmethod
    def of(cls, chance: ChanceTerms | None) -> Chance | None:
        return None if chance is None else cls(wins=chance.wins, out_of=chance.out_of)


def _n(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@strawberry.type(
    description="A member segment: a named list of members, or the members enrolled in"
    " [enrolledFrom, enrolledUntil)."
)
class Segment:
    code: str
    name: str
    is_list: bool = strawberry.field(description="True: a list of members; false: a range.")
    enrolled_from: datetime | None
    enrolled_until: datetime | None
    members: int | None = strawberry.field(description="A list's members now (null: a range).")

    @classmethod
    def of(cls, segment: SegmentTerms, members: int | None = None) -> Segment:
        return cls(
            code=segment.code,
            name=segment.name,
            is_list=segment.is_list,
            enrolled_from=segment.enrolled_from,
            enrolled_until=segment.enrolled_until,
            members=members,
        )


@dataclass(frozen=True)
class Names:
    """What campaign versions refer to by id, by name: partner codes and segments."""

    partners: Mapping[int, str]
    segments: Mapping[int, SegmentTerms]
    currency: str


@strawberry.type(description="One version of a campaign, in force from effectiveFrom on.")
class CampaignVersion:
    version: int
    effective_from: datetime
    name: str
    kind: CampaignKind
    multiplier: str | None = strawberry.field(description="MULTIPLIER: the factor, e.g. 2.")
    points: int | None = strawberry.field(description="BONUS: its points; INSTANT_WIN: the prize.")
    chance: Chance | None = strawberry.field(description="INSTANT_WIN: the chance per purchase.")
    starts_at: datetime
    ends_at: datetime | None
    partner_codes: list[str] = strawberry.field(description="Empty: every partner.")
    categories: list[str] = strawberry.field(description="Empty: every line.")
    tiers: list[str] = strawberry.field(description="Empty: any member, with a tier or not.")
    segment: Segment | None
    minimum_spend: Money | None = strawberry.field(
        description="The least the qualifying lines must cost together."
    )
    funded_by: CampaignFunder
    points_total: int | None
    points_per_member: int | None
    uses_total: int | None
    uses_per_member: int | None
    control_group_percent: str
    created_at: datetime | None

    @classmethod
    def of(cls, version: Version, names: Names) -> CampaignVersion:
        terms, targets, limits = version.terms, version.terms.targets, version.terms.limits
        segment = None if targets.segment_id is None else names.segments.get(targets.segment_id)
        minimum = terms.minimum_spend
        return cls(
            version=version.version,
            effective_from=version.effective_from,
            name=terms.name,
            kind=CampaignKind(terms.kind.value),
            multiplier=_n(terms.factor),
            points=terms.points,
            chance=Chance.of(terms.chance),
            starts_at=terms.starts_at,
            ends_at=terms.ends_at,
            partner_codes=sorted(names.partners.get(i, str(i)) for i in targets.partner_ids),
            categories=list(targets.categories),
            tiers=list(targets.tiers),
            segment=None if segment is None else Segment.of(segment),
            minimum_spend=None if minimum is None else Money.of(minimum, names.currency),
            funded_by=CampaignFunder(terms.funder.value),
            points_total=limits.points_total,
            points_per_member=limits.points_per_member,
            uses_total=limits.uses_total,
            uses_per_member=limits.uses_per_member,
            control_group_percent=_n(terms.control_percent) or "0",
            created_at=version.created_at,
        )


@strawberry.type(description="What a campaign gave against its total limits so far.")
class CampaignBudget:
    points_given: int = strawberry.field(
        description="Points given so far (counted while the campaign has a total limit)."
    )
    uses: int


@strawberry.type(
    description="A campaign (a promo code: one with `promoCode`). Its versions are never"
    " edited; a change is a new version."
)
class Campaign:
    id: strawberry.ID
    code: str
    promo_code: str | None = strawberry.field(
        description="A promo code: the campaign applies only to earns that present it."
    )
    seed_sha256: str = strawberry.field(
        description="SHA-256 of the seed its control group and instant-win draws derive from,"
        " published from its creation on."
    )
    seed: str | None = strawberry.field(
        description="The seed, in hex: shown once the campaign has ended (null before)."
    )
    status: CampaignStatus
    current: CampaignVersion | None = strawberry.field(description="The version in force now.")
    versions: list[CampaignVersion] = strawberry.field(description="The latest first.")
    budget: CampaignBudget
    created_at: datetime


@dataclass(frozen=True)
class CampaignRead:
    """A campaign as read for the API: its versions, seed (if shown) and budget."""

    header: CampaignHeader
    versions: list[Version]
    seed: bytes | None
    points_given: int
    uses: int


def status_at(current: Version | None, at: datetime) -> CampaignStatus:
    if current is None or current.terms.starts_at > at:
        return CampaignStatus.SCHEDULED
    if current.terms.ends_at is not None and current.terms.ends_at <= at:
        return CampaignStatus.ENDED
    return CampaignStatus.RUNNING


def campaign_of(
    read: CampaignRead, current: Version | None, names: Names, at: datetime
) -> Campaign:
    header = read.header
    return Campaign(
        id=strawberry.ID(to_global_id("Campaign", header.id)),
        code=header.code,
        promo_code=header.promo_code,
        seed_sha256=header.seed_sha256,
        seed=None if read.seed is None else read.seed.hex(),
        status=status_at(current, at),
        current=None if current is None else CampaignVersion.of(current, names),
        versions=[CampaignVersion.of(version, names) for version in read.versions],
        budget=CampaignBudget(points_given=read.points_given, uses=read.uses),
        created_at=header.created_at,
    )


@strawberry.type(description="The draw of an instant win at an earn.")
class Draw:
    value: str = strawberry.field(description="15 hex digits of sha256(seed || 'draw:' || id).")
    won: bool


@strawberry.type(description="A campaign at an earn: what it claimed, what it gave, and why.")
class CampaignLine:
    code: str
    name: str
    version: int
    kind: CampaignKind
    funded_by: CampaignFunder
    promo_code: str | None
    wanted: int = strawberry.field(
        description="The points it claims before its limits (an instant win: its prize)."
    )
    points: int = strawberry.field(
        description="What it gives (a quote: within its limits as they stand now; an instant"
        " win in a quote: 0, drawn at the earn)."
    )
    held_out: bool = strawberry.field(
        description="The member is in its control group: recorded, and given nothing."
    )
    limited_by: CampaignLimit | None
    draw: Draw | None
    message: str = strawberry.field(description="What the campaign did, in words and numbers.")
    applied: bool = strawberry.field(
        description="False when it gives nothing: held out, lost, its limits spent, or (a"
        " quote) it does not apply, the message says why."
    )
    transaction_id: strawberry.ID | None = strawberry.field(
        description="The BONUS transaction that holds its points (an earn's record)."
    )

    @classmethod
    def recorded(cls, outcome: Outcome, currency: str) -> CampaignLine:
        draw = outcome.draw
        step = explain.recorded(outcome, currency)
        return cls(
            code=outcome.code,
            name=outcome.name,
            version=outcome.version,
            kind=CampaignKind(outcome.kind.value),
            funded_by=CampaignFunder(outcome.funder.value),
            promo_code=outcome.promo_code,
            wanted=outcome.wanted,
            points=outcome.points,
            held_out=outcome.held_out,
            limited_by=None
            if outcome.limited_by is None
            else CampaignLimit(outcome.limited_by.value),
            draw=None if draw is None else Draw(value=draw.value, won=draw.won),
            message=step.message,
            applied=step.applied,
            transaction_id=None
            if outcome.entry_id is None
            else strawberry.ID(to_global_id("Transaction", outcome.entry_id)),
        )


def _about(version: Version) -> dict[str, Any]:
    """The fields of a line that say which campaign it is."""
    terms = version.terms
    return {
        "code": version.campaign.code,
        "name": terms.name,
        "version": version.version,
        "kind": CampaignKind(terms.kind.value),
        "funded_by": CampaignFunder(terms.funder.value),
        "promo_code": version.campaign.promo_code,
    }


def quoted_line(quoted: Quoted, currency: str) -> CampaignLine:
    claim, granted = quoted.claim, quoted.granted
    step = explain.quoted(claim, granted, currency)
    limited = None if granted is None else granted.limited_by
    return CampaignLine(
        **_about(claim.version),
        wanted=claim.wanted,
        points=step.points,
        held_out=claim.held_out,
        limited_by=None if limited is None else CampaignLimit(limited.value),
        draw=None,
        message=step.message,
        applied=step.applied,
        transaction_id=None,
    )


def skipped_line(found: Skipped) -> CampaignLine:
    return CampaignLine(
        **_about(found.version),
        wanted=0,
        points=0,
        held_out=False,
        limited_by=None,
        draw=None,
        message=explain.skipped(found).message,
        applied=False,
        transaction_id=None,
    )


@strawberry.type(description="An instant win's draw at an earn, re-checked from the seed.")
class InstantWinCheck:
    campaign_code: str
    transaction_id: strawberry.ID
    chance: Chance
    seed_sha256: str
    seed: str | None = strawberry.field(description="Null until the campaign has ended.")
    recorded: Draw = strawberry.field(description="The draw the earn recorded.")
    recomputed: Draw | None = strawberry.field(
        description="sha256(seed || 'draw:' || transactionId) and its outcome, once the seed is"
        " shown."
    )
    seed_matches: bool | None = strawberry.field(
        description="sha256(seed) is the published seedSha256 (null before the seed is shown)."
    )
    verified: bool | None = strawberry.field(
        description="The seed matches and the recomputed draw is the recorded one (null before"
        " the seed is shown)."
    )
    points: int = strawberry.field(description="The prize the earn gave (0: lost, or no budget).")

    @classmethod
    def of(cls, checked: DrawCheck) -> InstantWinCheck:
        again = checked.recomputed
        chance = Chance.of(checked.chance)
        assert chance is not None
        return cls(
            campaign_code=checked.code,
            transaction_id=strawberry.ID(checked.transaction_id),
            chance=chance,
            seed_sha256=checked.seed_sha256,
            seed=None if checked.seed is None else checked.seed.hex(),
            recorded=Draw(value=checked.recorded.value, won=checked.recorded.won),
            recomputed=None if again is None else Draw(value=again.value, won=again.won),
            seed_matches=checked.seed_matches,
            verified=checked.verified,
            points=checked.points,
        )
