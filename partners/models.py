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
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from exchange.kit.pgtypes import XID8

TS = DateTime(timezone=True)


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), server_default="ACTIVE")
    billing: Mapped[str] = mapped_column(String(16), server_default="POSTPAID")
    credit_limit_points: Mapped[int] = mapped_column(BigInteger, server_default="0")
    """PREPAID: how many points it may issue beyond the point blocks it bought."""
    earn_rate: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    """Points per whole unit of money spent (1.0 = one point per euro)."""
    point_validity_days: Mapped[int | None] = mapped_column(BigInteger)
    """How long the points this partner issues stay valid; NULL: they never expire."""
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (
        CheckConstraint("status IN ('ACTIVE', 'SUSPENDED')", name="status"),
        CheckConstraint("billing IN ('POSTPAID', 'PREPAID')", name="billing"),
        CheckConstraint("credit_limit_points >= 0", name="credit_limit_not_negative"),
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


class EarnRuleSet(Base):
    """One version of a partner's earn rules (migration 0014): append-only, in force from
    ``effective_from`` until a later version starts (see ``partners.earn_rules``)."""

    __tablename__ = "earn_rule_sets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    base_rate: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    category_rates: Mapped[list[dict[str, str]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb")
    )
    """``[{"category": "fuel", "rate": "0.1"}, ...]``: rates as decimal strings, in the
    order the admin gave them."""
    excluded_categories: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"))
    minimum_purchase: Mapped[Decimal | None] = mapped_column(Numeric)
    cap_per_transaction: Mapped[int | None] = mapped_column(BigInteger)
    cap_per_member_per_day: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("base_rate >= 0", name="base_rate_not_negative"),
        CheckConstraint("jsonb_typeof(category_rates) = 'array'", name="category_rates_array"),
        CheckConstraint("minimum_purchase > 0", name="minimum_positive"),
        CheckConstraint("cap_per_transaction > 0", name="cap_per_transaction_positive"),
        CheckConstraint("cap_per_member_per_day > 0", name="cap_per_day_positive"),
        UniqueConstraint("partner_id", "version", name="uq_earn_rule_sets_version"),
        Index(
            "ix_earn_rule_sets_in_force",
            "partner_id",
            text("effective_from DESC"),
            text("version DESC"),
        ),
    )


class PointBlock(Base):
    """Points a PREPAID partner bought (migration 0011): append-only, billed by settlement in
    the batch that covers its ``posted_at`` and ``xid``, as entries are."""

    __tablename__ = "point_blocks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    price_per_point: Mapped[Decimal] = mapped_column(Numeric(18, 6))
    currency: Mapped[str] = mapped_column(Text)
    reference: Mapped[str] = mapped_column(Text)
    bought_at: Mapped[datetime] = mapped_column(TS)
    posted_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)
    xid: Mapped[str] = mapped_column(XID8, server_default=text("pg_current_xact_id()"))

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("price_per_point >= 0", name="price_not_negative"),
        Index("ix_point_blocks_partner", "partner_id", "id"),
        Index("ix_point_blocks_posted", "posted_at"),
    )


class PrepaidAllowance(Base):
    """What a PREPAID partner may still issue: bought + its credit limit - drawn.

    The one row the hot path updates per transaction (migration 0011 says why): every earn
    of a PREPAID partner draws from it, and its reversal gives the points back."""

    __tablename__ = "prepaid_allowances"

    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"), primary_key=True)
    points_bought: Mapped[int] = mapped_column(BigInteger, server_default="0")
    points_drawn: Mapped[int] = mapped_column(BigInteger, server_default="0")

    __table_args__ = (
        CheckConstraint("points_bought >= 0", name="bought_not_negative"),
        CheckConstraint("points_drawn >= 0", name="drawn_not_negative"),
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
