"""Webhook tables (migration 0005): endpoints, the operator's signing keys, deliveries (one
per event and endpoint), their attempts, and the fan-out horizon.

Secrets and private keys are stored sealed (``exchange.kit.secrets_box``), never in clear.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from exchange.kit.pgtypes import XID8

TS = DateTime(timezone=True)


class WebhookEndpoint(Base):
    """Where a partner wants its events, which ones, and how they are signed."""

    __tablename__ = "webhook_endpoints"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    url: Mapped[str] = mapped_column(Text)
    event_types: Mapped[list[str]] = mapped_column(ARRAY(Text))
    signing: Mapped[str] = mapped_column(String(16))
    secret: Mapped[str | None] = mapped_column(Text)
    """The sealed ``whsec_`` secret of an HMAC endpoint."""
    previous_secret: Mapped[str | None] = mapped_column(Text)
    """The sealed secret before the last rotation: still signs until it expires."""
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(TS)
    status: Mapped[str] = mapped_column(String(16), server_default="ACTIVE")
    disabled_reason: Mapped[str | None] = mapped_column(Text)
    from_xid: Mapped[str] = mapped_column(
        XID8, server_default=text("pg_snapshot_xmin(pg_current_snapshot())")
    )
    """Events of transactions from this one on are delivered (those still running at creation
    included): an endpoint receives what happens after it was created."""
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("signing IN ('ED25519', 'HMAC_SHA256')", name="signing"),
        CheckConstraint("status IN ('ACTIVE', 'DISABLED')", name="status"),
        CheckConstraint("(signing = 'HMAC_SHA256') = (secret IS NOT NULL)", name="secret"),
        Index("ix_webhook_endpoints_partner", "partner_id", "id"),
    )


class WebhookSigningKey(Base):
    """An Ed25519 key of the operator; signs while ``retires_at`` is unset or ahead."""

    __tablename__ = "webhook_signing_keys"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    kid: Mapped[str] = mapped_column(String(64), unique=True)
    private_key: Mapped[str] = mapped_column(Text)
    public_key: Mapped[str] = mapped_column(Text)
    """Base64 of the raw 32-byte public key, as published."""
    created_at: Mapped[datetime] = mapped_column(TS)
    retires_at: Mapped[datetime | None] = mapped_column(TS)


class WebhookDelivery(Base):
    """One event for one endpoint: PENDING until due, DELIVERING while a worker holds its
    lease (``locked_until``), then SUCCEEDED, or DEAD after the last attempt."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    outbox_id: Mapped[int] = mapped_column(BigInteger)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoints.id"))
    partner_id: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    """Attempts started, ever (it only grows: a claim's attempt number is its lease)."""
    retry_base: Mapped[int] = mapped_column(Integer, server_default="0")
    """Attempts made before the last replay: the retry schedule counts from there."""
    next_attempt_at: Mapped[datetime] = mapped_column(TS)
    locked_until: Mapped[datetime | None] = mapped_column(TS)
    last_attempt_at: Mapped[datetime | None] = mapped_column(TS)
    last_http_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("status IN ('PENDING', 'DELIVERING', 'SUCCEEDED', 'DEAD')", name="status"),
        UniqueConstraint("outbox_id", "endpoint_id"),
        Index(
            "ix_webhook_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'PENDING'"),
        ),
        Index(
            "ix_webhook_deliveries_leased",
            "locked_until",
            postgresql_where=text("status = 'DELIVERING'"),
        ),
        Index("ix_webhook_deliveries_endpoint", "endpoint_id", "status"),
        Index("ix_webhook_deliveries_partner", "partner_id", "outbox_id"),
    )


class WebhookAttempt(Base):
    """One try at delivering: when, what came back (or what went wrong), how long it took."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"))
    attempt: Mapped[int] = mapped_column(Integer)
    attempted_at: Mapped[datetime] = mapped_column(TS)
    http_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    latency_ms: Mapped[int] = mapped_column(Integer)
    response_snippet: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index("ix_webhook_attempts_delivery", "delivery_id", "attempt"),)


class WebhookFanoutState(Base):
    """One row: every outbox event of a transaction id below ``last_xmin`` was fanned out."""

    __tablename__ = "webhook_fanout_state"

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    last_xmin: Mapped[str] = mapped_column(XID8)
    updated_at: Mapped[datetime] = mapped_column(TS, server_default=text("now()"))

    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)
