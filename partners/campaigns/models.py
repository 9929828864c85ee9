"""Campaign tables (migration 0019): segments, campaigns and their versions (append-only),
the generation every cache is checked against, budgets and the members campaigns met."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class CampaignSegment(Base):
    """A named list of members, or the members enrolled in [enrolled_from, enrolled_until)."""

    __tablename__ = "campaign_segments"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    enrolled_from: Mapped[datetime | None] = mapped_column(TS)
    enrolled_until: Mapped[datetime | None] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("kind IN ('LIST', 'ENROLLED')", name="kind"),
        Index("uq_campaign_segments_code", "code", unique=True),
    )


class CampaignSegmentMember(Base):
    __tablename__ = "campaign_segment_members"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    segment_id: Mapped[int] = mapped_column(ForeignKey("campaign_segments.id"), primary_key=True)
    added_at: Mapped[datetime] = mapped_column(TS)


class Campaign(Base):
    """A campaign's code, promo code, and the seed of its control group and draws."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(Text)
    promo_code: Mapped[str | None] = mapped_column(Text)
    seed: Mapped[bytes] = mapped_column(LargeBinary)
    seed_sha256: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("uq_campaigns_code", "code", unique=True),
        Index(
            "uq_campaigns_promo_code",
            text("upper(promo_code)"),
            unique=True,
            postgresql_where=text("promo_code IS NOT NULL"),
        ),
    )


class CampaignVersion(Base):
    """One version of a campaign's terms (see ``partners.campaigns.terms``)."""

    __tablename__ = "campaign_versions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    factor: Mapped[Decimal | None] = mapped_column(Numeric(10, 4))
    points: Mapped[int | None] = mapped_column(BigInteger)
    chance_wins: Mapped[int | None] = mapped_column(Integer)
    chance_out_of: Mapped[int | None] = mapped_column(Integer)
    starts_at: Mapped[datetime] = mapped_column(TS)
    ends_at: Mapped[datetime | None] = mapped_column(TS)
    partner_ids: Mapped[list[int]] = mapped_column(ARRAY(BigInteger), server_default="{}")
    categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    tiers: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_segments.id"))
    minimum_spend: Mapped[Decimal | None] = mapped_column(Numeric)
    funder: Mapped[str] = mapped_column(Text)
    points_total: Mapped[int | None] = mapped_column(BigInteger)
    points_per_member: Mapped[int | None] = mapped_column(BigInteger)
    uses_total: Mapped[int | None] = mapped_column(BigInteger)
    uses_per_member: Mapped[int | None] = mapped_column(BigInteger)
    control_percent: Mapped[Decimal] = mapped_column(Numeric(5, 2), server_default="0")
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("campaign_id", "version", name="uq_campaign_versions_version"),
        CheckConstraint("version > 0", name="version_positive"),
    )


class CampaignGeneration(Base):
    """One row: bumped by every campaign version added; each earn is checked against it."""

    __tablename__ = "campaign_generation"

    only_row: Mapped[bool] = mapped_column(Boolean, primary_key=True, server_default=text("true"))
    generation: Mapped[int] = mapped_column(BigInteger)


class CampaignBudget(Base):
    """A campaign's limits and what it gave against its total ones (locked by an earn only
    when it has a total limit)."""

    __tablename__ = "campaign_budgets"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    points_total: Mapped[int | None] = mapped_column(BigInteger)
    points_per_member: Mapped[int | None] = mapped_column(BigInteger)
    uses_total: Mapped[int | None] = mapped_column(BigInteger)
    uses_per_member: Mapped[int | None] = mapped_column(BigInteger)
    points_given: Mapped[int] = mapped_column(BigInteger, server_default="0")
    uses: Mapped[int] = mapped_column(BigInteger, server_default="0")


class CampaignMember(Base):
    """A member a campaign met at an earn: control group or not, points and uses given."""

    __tablename__ = "campaign_members"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    control: Mapped[bool] = mapped_column(Boolean)
    points: Mapped[int] = mapped_column(BigInteger, server_default="0")
    uses: Mapped[int] = mapped_column(BigInteger, server_default="0")
    first_at: Mapped[datetime] = mapped_column(TS)
    last_at: Mapped[datetime] = mapped_column(TS)
