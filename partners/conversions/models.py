"""Exchange between programs (migration 0025): partners' program currencies, the versions of
their conversion rules, quotes and conversions."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    text,
)
from sqlalchemy import SmallInteger as SqlSmallInteger
from sqlalchemy import Text as SqlText
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from partners.models import TS

RATE = Numeric(18, 6)
AMOUNT = Numeric(24, 4)


class ProgramCurrency(Base):
    """A partner's own program currency (airline miles): what members convert to and from."""

    __tablename__ = "program_currencies"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    code: Mapped[str] = mapped_column(SqlText)
    name: Mapped[str] = mapped_column(SqlText)
    decimals: Mapped[int] = mapped_column(SqlSmallInteger, server_default="0")
    """Amounts of the currency are written with at most this many decimals (miles: 0)."""
    created_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("code ~ '^[A-Z][A-Z0-9]{1,9}$'", name="code"),
        CheckConstraint("length(name) BETWEEN 1 AND 100", name="name"),
        CheckConstraint("decimals BETWEEN 0 AND 4", name="decimals"),
        Index("uq_program_currencies_code", "code", unique=True),
        Index("ix_program_currencies_partner", "partner_id"),
    )


class ConversionRuleSet(Base):
    """One version of a currency's conversion rules: append-only, in force from
    ``effective_from`` until a later version starts."""

    __tablename__ = "conversion_rule_sets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    currency_id: Mapped[int] = mapped_column(ForeignKey("program_currencies.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    in_enabled: Mapped[bool] = mapped_column(Boolean)
    in_rate: Mapped[Decimal | None] = mapped_column(RATE)
    """Points per unit of the currency converted in."""
    in_minimum_points: Mapped[int | None] = mapped_column(BigInteger)
    in_maximum_points: Mapped[int | None] = mapped_column(BigInteger)
    in_daily_points: Mapped[int | None] = mapped_column(BigInteger)
    out_enabled: Mapped[bool] = mapped_column(Boolean)
    out_rate: Mapped[Decimal | None] = mapped_column(RATE)
    """Units of the currency per point converted out."""
    out_minimum_points: Mapped[int | None] = mapped_column(BigInteger)
    out_maximum_points: Mapped[int | None] = mapped_column(BigInteger)
    out_daily_points: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(SqlText)

    __table_args__ = (
        CheckConstraint("version > 0", name="version"),
        CheckConstraint("in_rate > 0", name="in_rate"),
        CheckConstraint("out_rate > 0", name="out_rate"),
        Index("uq_conversion_rule_sets_version", "currency_id", "version", unique=True),
        Index("ix_conversion_rule_sets_from", "currency_id", "effective_from"),
    )


class ConversionQuote(Base):
    """The numbers of one conversion, locked until ``expires_at`` and used once, by the caller
    that asked for it (``quoted_by``: its idempotency scope)."""

    __tablename__ = "conversion_quotes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    currency_id: Mapped[int] = mapped_column(ForeignKey("program_currencies.id"))
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("conversion_rule_sets.id"))
    direction: Mapped[str] = mapped_column(SqlText)
    points: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    rate: Mapped[Decimal] = mapped_column(RATE)
    program_account: Mapped[str | None] = mapped_column(SqlText)
    quoted_by: Mapped[str] = mapped_column(SqlText)
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)
    used_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("direction IN ('IN', 'OUT')", name="direction"),
        CheckConstraint("points > 0", name="points"),
        CheckConstraint("amount > 0", name="amount"),
        Index(
            "ix_conversion_quotes_unused", "expires_at", postgresql_where=text("used_at IS NULL")
        ),
    )


class Conversion(Base):
    """A quote executed: in, an EARN at once; out, a hold until the partner confirms
    (COMPLETED, its BURN in ``entry_id``), declines or lets the deadline pass."""

    __tablename__ = "conversions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("conversion_quotes.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    currency_id: Mapped[int] = mapped_column(ForeignKey("program_currencies.id"))
    rule_set_id: Mapped[int] = mapped_column(ForeignKey("conversion_rule_sets.id"))
    direction: Mapped[str] = mapped_column(SqlText)
    points: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    rate: Mapped[Decimal] = mapped_column(RATE)
    program_account: Mapped[str | None] = mapped_column(SqlText)
    status: Mapped[str] = mapped_column(SqlText)
    hold_id: Mapped[int | None] = mapped_column(ForeignKey("holds.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entries.id"))
    requested_by: Mapped[str] = mapped_column(SqlText)
    requested_at: Mapped[datetime] = mapped_column(TS)
    confirm_by: Mapped[datetime | None] = mapped_column(TS)
    finalized_at: Mapped[datetime | None] = mapped_column(TS)
    partner_reference: Mapped[str | None] = mapped_column(SqlText)
    decline_reason: Mapped[str | None] = mapped_column(SqlText)

    __table_args__ = (
        CheckConstraint("direction IN ('IN', 'OUT')", name="direction"),
        CheckConstraint("status IN ('PENDING', 'COMPLETED', 'DECLINED', 'EXPIRED')", name="status"),
        CheckConstraint("points > 0", name="points"),
        CheckConstraint("amount > 0", name="amount"),
        Index("uq_conversions_quote", "quote_id", unique=True),
        Index(
            "uq_conversions_hold",
            "hold_id",
            unique=True,
            postgresql_where=text("hold_id IS NOT NULL"),
        ),
        Index("ix_conversions_member", "member_id", "id"),
        Index("ix_conversions_partner", "partner_id", "id"),
        Index("ix_conversions_pending", "confirm_by", postgresql_where=text("status = 'PENDING'")),
    )
