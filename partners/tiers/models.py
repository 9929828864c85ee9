"""Tier and membership tables (migration 0013). Ladders, plan catalogues and memberships
are append-only; ``member_tiers`` holds each member's earned tier and what was announced."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from exchange.kit.pgtypes import XID8

TS = DateTime(timezone=True)
FACTOR = Numeric(10, 4)
PRICE = Numeric(18, 4)


class TierLadder(Base):
    """One version of the program's tiers, in force from ``effective_from`` on."""

    __tablename__ = "tier_ladders"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    window_days: Mapped[int] = mapped_column(Integer)
    review_every_days: Mapped[int] = mapped_column(Integer)
    grace_days: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("window_days BETWEEN 1 AND 3660", name="window_days_check"),
        CheckConstraint("review_every_days BETWEEN 1 AND 3660", name="review_every_days_check"),
        CheckConstraint("grace_days BETWEEN 0 AND 3660", name="grace_days_check"),
        Index("uq_tier_ladders_version", "version", unique=True),
        Index("ix_tier_ladders_from", "effective_from", "version"),
    )


class TierLevel(Base):
    """One tier of a ladder: its threshold of qualifying points, multiplier and benefits."""

    __tablename__ = "tier_levels"

    ladder_id: Mapped[int] = mapped_column(ForeignKey("tier_ladders.id"), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    threshold: Mapped[int] = mapped_column(BigInteger)
    multiplier: Mapped[Decimal] = mapped_column(FACTOR)
    benefits: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("rank > 0", name="rank_check"),
        CheckConstraint("threshold >= 0", name="threshold_check"),
        CheckConstraint("multiplier > 0", name="multiplier_check"),
        Index("uq_tier_levels_name", "ladder_id", text("lower(name)"), unique=True),
    )


class MemberTier(Base):
    """A member's earned tier, when it comes up for review, and the tier last announced."""

    __tablename__ = "member_tiers"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    tier: Mapped[str | None] = mapped_column(Text)
    review_at: Mapped[datetime | None] = mapped_column(TS)
    shown: Mapped[str | None] = mapped_column(Text)
    shown_until: Mapped[datetime | None] = mapped_column(TS)
    changed_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        Index(
            "ix_member_tiers_review", "review_at", postgresql_where=text("review_at IS NOT NULL")
        ),
        Index(
            "ix_member_tiers_shown_until",
            "shown_until",
            postgresql_where=text("shown_until IS NOT NULL"),
        ),
    )


class MembershipCatalogue(Base):
    """One version of the membership plans on sale."""

    __tablename__ = "membership_catalogues"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("uq_membership_catalogues_version", "version", unique=True),
        Index("ix_membership_catalogues_from", "effective_from", "version"),
    )


class MembershipPlan(Base):
    """A plan of a catalogue: a tier or a multiplier for a term, at a price."""

    __tablename__ = "membership_plans"

    catalogue_id: Mapped[int] = mapped_column(
        ForeignKey("membership_catalogues.id"), primary_key=True
    )
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    tier: Mapped[str | None] = mapped_column(Text)
    multiplier: Mapped[Decimal | None] = mapped_column(FACTOR)
    term_days: Mapped[int] = mapped_column(Integer)
    price: Mapped[Decimal] = mapped_column(PRICE)
    currency: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("multiplier > 0", name="multiplier_check"),
        CheckConstraint("term_days BETWEEN 1 AND 3660", name="term_days_check"),
        CheckConstraint("price >= 0", name="price_check"),
        CheckConstraint("(tier IS NULL) <> (multiplier IS NULL)", name="check"),
    )


class Membership(Base):
    """A membership a partner sold: append-only; settlement bills its price to the partner in
    the batch that covers its ``posted_at`` and ``xid``, as entries are."""

    __tablename__ = "memberships"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("membership_catalogues.id"))
    plan_code: Mapped[str] = mapped_column(Text)
    plan_name: Mapped[str] = mapped_column(Text)
    tier: Mapped[str | None] = mapped_column(Text)
    multiplier: Mapped[Decimal | None] = mapped_column(FACTOR)
    starts_at: Mapped[datetime] = mapped_column(TS)
    ends_at: Mapped[datetime] = mapped_column(TS)
    price: Mapped[Decimal] = mapped_column(PRICE)
    currency: Mapped[str] = mapped_column(Text)
    sold_at: Mapped[datetime] = mapped_column(TS)
    posted_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)
    xid: Mapped[str] = mapped_column(XID8, server_default=text("pg_current_xact_id()"))

    __table_args__ = (
        CheckConstraint("price >= 0", name="price_check"),
        CheckConstraint("ends_at > starts_at", name="check"),
        CheckConstraint("(tier IS NULL) <> (multiplier IS NULL)", name="check1"),
        Index("ix_memberships_member", "member_id", "ends_at"),
        Index("ix_memberships_partner", "partner_id", "id"),
        Index("ix_memberships_posted", "posted_at"),
    )
