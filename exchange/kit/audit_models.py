"""The audit trail's tables (migration 0017), for Alembic's comparisons; the SQL that writes
and reads them is in exchange.kit.audit_trail."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Index, Text, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class AuditEvent(Base):
    """An admin, finance or CLI action, written before it runs. Never updated or deleted."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(TS, server_default=text("clock_timestamp()"))
    source: Mapped[str] = mapped_column(Text)
    principal: Mapped[str] = mapped_column(Text)
    key_id: Mapped[int | None] = mapped_column(BigInteger)
    actor: Mapped[str | None] = mapped_column(Text)
    operation: Mapped[str] = mapped_column(Text)
    input: Mapped[dict[str, Any]] = mapped_column(JSONB, server_default="{}")
    client_ip: Mapped[str | None] = mapped_column(Text)
    user_agent: Mapped[str | None] = mapped_column(Text)
    request_id: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        Index("ix_audit_events_operation", "operation", "id"),
        Index("ix_audit_events_key", "key_id", "id"),
        Index("ix_audit_events_occurred_at", "occurred_at"),
    )


class AuditOutcome(Base):
    """How an audited action ended, written after it ran (none: the process died meanwhile)."""

    __tablename__ = "audit_outcomes"

    event_id: Mapped[int] = mapped_column(ForeignKey("audit_events.id"), primary_key=True)
    finished_at: Mapped[datetime] = mapped_column(TS, server_default=text("clock_timestamp()"))
    outcome: Mapped[str] = mapped_column(Text)
    codes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default="{}")
