"""Bonus event tables (migration 0022): catalogue versions and their event types are
append-only, as are the awards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class BonusCatalogue(Base):
    """One version of the program's bonus event types, in force from ``effective_from`` on."""

    __tablename__ = "bonus_catalogues"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        Index("uq_bonus_catalogues_version", "version", unique=True),
        Index("ix_bonus_catalogues_from", "effective_from", "version"),
    )


class BonusEventType(Base):
    """An event type of a catalogue: its points and its limit per member and period."""

    __tablename__ = "bonus_event_types"

    catalogue_id: Mapped[int] = mapped_column(ForeignKey("bonus_catalogues.id"), primary_key=True)
    code: Mapped[str] = mapped_column(Text, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    points: Mapped[int] = mapped_column(BigInteger)
    limit_count: Mapped[int | None] = mapped_column(Integer)
    limit_period: Mapped[str | None] = mapped_column(Text)


class BonusAward(Base):
    """A bonus a partner awarded: one per member, event type and reference."""

    __tablename__ = "bonus_awards"

    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger)
    partner_id: Mapped[int] = mapped_column(BigInteger)
    event_type: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text)
    catalogue_id: Mapped[int] = mapped_column(ForeignKey("bonus_catalogues.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    awarded_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        Index("uq_bonus_awards_reference", "member_id", "event_type", "reference", unique=True),
        Index("ix_bonus_awards_member_type", "member_id", "event_type", "awarded_at"),
    )
