"""The portal's tables (migration 0012): login codes, sessions and login attempts. Codes and
session tokens are stored only as keyed hashes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class LoginCode(Base):
    """A one-time code sent to a member: short-lived, single use, a few attempts. Its scope
    says what it is for: ``login``, or ``card-link:<member>:<card>`` (migration 0020)."""

    __tablename__ = "member_login_codes"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    code_hash: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text, server_default="login")
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)
    attempts: Mapped[int] = mapped_column(Integer, server_default="0")
    used_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_check"),
        Index("ix_member_login_codes_member", "member_id", "scope", "id"),
    )


class MemberSession(Base):
    """A web session (cookie) or an app token (Bearer) of a member; revocable."""

    __tablename__ = "member_sessions"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    token_hash: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TS)
    expires_at: Mapped[datetime] = mapped_column(TS)
    revoked_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("kind IN ('WEB', 'TOKEN')", name="kind_check"),
        Index("uq_member_sessions_token", "token_hash", unique=True),
        Index(
            "ix_member_sessions_member", "member_id", postgresql_where=text("revoked_at IS NULL")
        ),
    )


class LoginAttempt(Base):
    """A code sent, a wrong code or a transfer refused for its recipient, by bucket (an
    identifier's keyed hash, an address, a member, a card): what the rate limits count."""

    __tablename__ = "login_attempts"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    bucket: Mapped[str] = mapped_column(Text)
    action: Mapped[str] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint(
            "action IN ('CODE_SENT', 'CODE_REJECTED', 'CARD_CODE_SENT', 'CARD_CODE_REJECTED',"
            " 'TRANSFER_REFUSED')",
            name="action_check",
        ),
        Index("ix_login_attempts_bucket", "bucket", "action", "at"),
        Index("ix_login_attempts_at", "at"),
    )


__all__ = ["LoginAttempt", "LoginCode", "MemberSession"]
