"""The settlement tables (migration 0009), declared so the models match the migrations."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

AMOUNT = Numeric()
"""Exact: points x prices of six decimals (x a share, for breakage) keep every digit."""
TS = DateTime(timezone=True)


class SettlementBatch(Base):
    """Which entries a batch covers follows from its cut-off and snapshot (see the SQL)."""

    __tablename__ = "settlement_batches"
    __table_args__ = (
        Index(
            "uq_settlement_batches_one_draft",
            text("true"),
            unique=True,
            postgresql_where=text("status = 'DRAFT'"),
        ),
        Index(
            "uq_settlement_batches_chain",
            text("COALESCE(follows_batch_id, 0::bigint)"),
            unique=True,
            postgresql_where=text("status <> 'DISCARDED'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    status: Mapped[str] = mapped_column(Text, server_default=text("'DRAFT'"))
    follows_batch_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("settlement_batches.id")
    )
    period_start: Mapped[datetime | None] = mapped_column(TS)
    period_end: Mapped[datetime] = mapped_column(TS)
    snapshot: Mapped[str] = mapped_column(Text)
    currency: Mapped[str] = mapped_column(Text)
    breakage_issuer_share: Mapped[Decimal] = mapped_column(Numeric(7, 6))
    entries_count: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    entries_sha256: Mapped[str] = mapped_column(Text, server_default=text("''"))
    operator_margin: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    rounding_difference: Mapped[Decimal] = mapped_column(AMOUNT, server_default=text("0"))
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(Text)
    approved_at: Mapped[datetime | None] = mapped_column(TS)
    approved_by: Mapped[str | None] = mapped_column(Text)
    paid_at: Mapped[datetime | None] = mapped_column(TS)
    paid_by: Mapped[str | None] = mapped_column(Text)
    payment_reference: Mapped[str | None] = mapped_column(Text)
    discarded_at: Mapped[datetime | None] = mapped_column(TS)


class SettlementStatement(Base):
    __tablename__ = "settlement_statements"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("settlement_batches.id"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("partners.id"), primary_key=True)
    billing: Mapped[str] = mapped_column(Text)
    issued_points: Mapped[int] = mapped_column(BigInteger)
    reversed_points: Mapped[int] = mapped_column(BigInteger)
    redeemed_points: Mapped[int] = mapped_column(BigInteger)
    refunded_points: Mapped[int] = mapped_column(BigInteger)
    expired_points: Mapped[int] = mapped_column(BigInteger)
    bought_points: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    """Points of the point blocks a PREPAID partner bought in the period (migration 0011)."""
    memberships_sold: Mapped[int] = mapped_column(BigInteger, server_default=text("0"))
    """Paid memberships the partner sold in the period (migration 0013)."""
    exact_net: Mapped[Decimal] = mapped_column(AMOUNT)
    net_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    rounding_difference: Mapped[Decimal] = mapped_column(AMOUNT)
    entries_count: Mapped[int] = mapped_column(BigInteger)
    entries_sha256: Mapped[str] = mapped_column(Text)


class SettlementLine(Base):
    __tablename__ = "settlement_lines"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("settlement_batches.id"), primary_key=True
    )
    partner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("partners.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(Text)
    adjustment: Mapped[bool] = mapped_column(Boolean)
    unit_price: Mapped[Decimal] = mapped_column(AMOUNT)
    points: Mapped[int] = mapped_column(BigInteger)
    exact_amount: Mapped[Decimal] = mapped_column(AMOUNT)
    amount: Mapped[Decimal] = mapped_column(AMOUNT)
    entries_count: Mapped[int] = mapped_column(BigInteger)


class SettlementFlow(Base):
    """Points issued by one partner (NULL: the operator) and redeemed at another."""

    __tablename__ = "settlement_flows"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("settlement_batches.id"), primary_key=True
    )
    flow_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    issuer_partner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("partners.id"))
    redeemer_partner_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("partners.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    exact_amount: Mapped[Decimal] = mapped_column(AMOUNT)


class SettlementPayment(Base):
    __tablename__ = "settlement_payments"

    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("settlement_batches.id"), primary_key=True
    )
    payment_no: Mapped[int] = mapped_column(Integer, primary_key=True)
    payer_partner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("partners.id"))
    payee_partner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("partners.id"))
    amount: Mapped[Decimal] = mapped_column(AMOUNT)


class SurveyAnswer(Base):
    """A member's answer to the net promoter question (0-10), for the program reports."""

    __tablename__ = "survey_answers"
    __table_args__ = (
        Index("ix_survey_answers_answered", "answered_at"),
        Index("ix_survey_answers_member", "member_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("members.id"))
    partner_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("partners.id"))
    survey: Mapped[str] = mapped_column(Text, server_default=text("'nps'"))
    score: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(TS)
    created_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))
