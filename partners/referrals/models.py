"""Referral tables (migration 0023): program versions (append-only), every member's code, and
one referral per referred member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class ReferralProgram(Base):
    """One version of the referral program, in force from ``effective_from`` on."""

    __tablename__ = "referral_programs"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    referrer_points: Mapped[int] = mapped_column(BigInteger)
    referred_points: Mapped[int] = mapped_column(BigInteger)
    minimum_points: Mapped[int] = mapped_column(BigInteger)
    validity_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("uq_referral_programs_version", "version", unique=True),
        Index("ix_referral_programs_from", "effective_from", "version"),
    )


class MemberReferralCode(Base):
    """A member's referral code (every member has one, from its enrolment on)."""

    __tablename__ = "member_referral_codes"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    code: Mapped[str] = mapped_column(Text)

    __table_args__ = (Index("uq_member_referral_codes_code", "code", unique=True),)


class Referral(Base):
    """A member enrolled with another's code, and what became of it."""

    __tablename__ = "referrals"

    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    """The referred member."""
    referrer_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    code: Mapped[str] = mapped_column(Text)
    enrolled_by_partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    created_at: Mapped[datetime] = mapped_column(TS)
    status: Mapped[str] = mapped_column(Text, server_default=text("'PENDING'::text"))
    program_id: Mapped[int | None] = mapped_column(ForeignKey("referral_programs.id"))
    qualifying_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    qualified_at: Mapped[datetime | None] = mapped_column(TS)
    referrer_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    referred_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    completed_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        Index(
            "ix_referrals_pending",
            "member_id",
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index(
            "ix_referrals_qualified", "qualified_at", postgresql_where=text("status = 'QUALIFIED'")
        ),
        Index("ix_referrals_referrer", "referrer_member_id"),
    )
