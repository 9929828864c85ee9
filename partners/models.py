"""Partner registry tables: partners, their effective-dated prices, and API keys."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Numeric,
    String,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="ACTIVE")
    billing: Mapped[str] = mapped_column(String(16), server_default="POSTPAID")
    credit_limit_points: Mapped[int] = mapped_column(BigInteger, server_default="0")
    earn_rate: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    """Points per whole unit of money spent (1.0 = one point per euro)."""
    point_validity_days: Mapped[int | None] = mapped_column(BigInteger)
    """How long the points this partner issues stay valid; NULL: they never expire."""
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        CheckConstraint("status IN ('ACTIVE', 'SUSPENDED')", name="status"),
        CheckConstraint("billing IN ('POSTPAID', 'PREPAID')", name="billing"),
        CheckConstraint("earn_rate >= 0", name="earn_rate_not_negative"),
        CheckConstraint("point_validity_days IS NULL OR point_validity_days > 0", name="validity"),
        CheckConstraint("code ~ '^[A-Z0-9_]{2,32}$'", name="code_format"),
    )


class PartnerPrice(Base):
    """Money per point, effective from an instant: what the issuer pays, what a redeemer gets."""

    __tablename__ = "partner_prices"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    effective_from: Mapped[datetime] = mapped_column(TS)
    issue_price: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    redemption_value: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        CheckConstraint("issue_price >= 0 AND redemption_value >= 0", name="prices_not_negative"),
        Index("uq_partner_prices_from", "partner_id", "effective_from", unique=True),
    )


class ApiKey(Base):
    """A bearer key: only its SHA-256 is stored; prefix and last four identify it to people."""

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partners.id"))
    name: Mapped[str | None] = mapped_column(String(200))
    prefix: Mapped[str] = mapped_column(String(16))
    last_four: Mapped[str] = mapped_column(String(4))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))
    expires_at: Mapped[datetime | None] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'finance', 'partner')", name="role"),
        CheckConstraint("(role = 'partner') = (partner_id IS NOT NULL)", name="partner_key"),
    )
