"""The rate limit buckets' table (migration 0018), for Alembic's comparisons; the SQL is in
exchange.gateway.rate_limit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base


class RateLimitBucket(Base):
    """One token bucket a key, in thousandths of a cost unit (UNLOGGED: a crash refills)."""

    __tablename__ = "rate_limit_buckets"
    __table_args__ = {"prefixes": ["UNLOGGED"]}

    bucket: Mapped[str] = mapped_column(Text, primary_key=True)
    tokens: Mapped[int] = mapped_column(BigInteger)
    last_taken: Mapped[int] = mapped_column(BigInteger, server_default="0")
    refilled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
