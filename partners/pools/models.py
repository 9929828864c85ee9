"""Pool tables (migration 0024): pools (each with its own account, a member of kind POOL), their
members with roles and limits, and the spends (append-only)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base

TS = DateTime(timezone=True)


class Pool(Base):
    __tablename__ = "pools"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    name: Mapped[str] = mapped_column(Text)
    owner_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    created_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (Index("uq_pools_member", "member_id", unique=True),)


class PoolMember(Base):
    __tablename__ = "pool_members"

    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), primary_key=True)
    role: Mapped[str] = mapped_column(Text)
    daily_limit: Mapped[int | None] = mapped_column(BigInteger)
    monthly_limit: Mapped[int | None] = mapped_column(BigInteger)
    added_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (Index("ix_pool_members_member", "member_id"),)


class PoolSpend(Base):
    __tablename__ = "pool_spends"

    entry_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("pools.id"))
    spender_member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    points: Mapped[int] = mapped_column(BigInteger)
    spent_at: Mapped[datetime] = mapped_column(TS)

    __table_args__ = (Index("ix_pool_spends_spender", "pool_id", "spender_member_id", "spent_at"),)
