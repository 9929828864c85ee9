"""Redemption tables (migration 0015): partners' burn rule versions, their rewards, and the
burns that redeemed a reward."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, Numeric
from sqlalchemy import Text as SqlText
from sqlalchemy.orm import Mapped, mapped_column

from exchange.kit.db import Base
from partners.models import TS


class BurnRuleSet(Base):
    """One version of a partner's burn rules: append-only, in force from ``effective_from``."""

    __tablename__ = "burn_rule_sets"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    version: Mapped[int] = mapped_column(Integer)
    effective_from: Mapped[datetime] = mapped_column(TS)
    accepts_redemption: Mapped[bool] = mapped_column(Boolean)
    point_value: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    """Money a point pays of a basket; NULL: the partner's redemption value in force."""
    max_basket_share: Mapped[Decimal | None] = mapped_column(Numeric(5, 4))
    minimum_basket: Mapped[Decimal | None] = mapped_column(Numeric(18, 6))
    minimum_points: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(SqlText)
    created_at: Mapped[datetime] = mapped_column(TS)
    created_by: Mapped[str] = mapped_column(SqlText)

    __table_args__ = (
        CheckConstraint("version > 0", name="version_positive"),
        CheckConstraint("point_value > 0", name="point_value_positive"),
        CheckConstraint("max_basket_share > 0 AND max_basket_share <= 1", name="share"),
        CheckConstraint("minimum_basket > 0", name="minimum_basket_positive"),
        CheckConstraint("minimum_points > 0", name="minimum_points_positive"),
        CheckConstraint(
            "accepts_redemption OR (point_value IS NULL AND max_basket_share IS NULL"
            " AND minimum_basket IS NULL AND minimum_points IS NULL)",
            name="opt_out_alone",
        ),
        Index("uq_burn_rule_sets_version", "partner_id", "version", unique=True),
        Index("ix_burn_rule_sets_from", "partner_id", "effective_from"),
    )


class Reward(Base):
    """A reward a partner lists at a points price, in an active window, with optional stock."""

    __tablename__ = "rewards"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("partners.id"))
    name: Mapped[str] = mapped_column(SqlText)
    description: Mapped[str | None] = mapped_column(SqlText)
    points: Mapped[int] = mapped_column(BigInteger)
    active_from: Mapped[datetime] = mapped_column(TS)
    active_until: Mapped[datetime | None] = mapped_column(TS)
    stock: Mapped[int | None] = mapped_column(BigInteger)
    """Units left; NULL: no limit."""
    status: Mapped[str] = mapped_column(SqlText, server_default="ACTIVE")
    created_at: Mapped[datetime] = mapped_column(TS)
    updated_at: Mapped[datetime] = mapped_column(TS)
    retired_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint("status IN ('ACTIVE', 'RETIRED')", name="status"),
        CheckConstraint("active_until IS NULL OR active_until > active_from", name="window"),
        Index("ix_rewards_partner", "partner_id", "id"),
    )


class RewardRedemption(Base):
    """A burn that redeemed a reward; ``stock_returned_at`` once its refund gave the unit back."""

    __tablename__ = "reward_redemptions"

    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entries.id"), primary_key=True)
    reward_id: Mapped[int] = mapped_column(ForeignKey("rewards.id"))
    member_id: Mapped[int] = mapped_column(BigInteger)
    points: Mapped[int] = mapped_column(BigInteger)
    redeemed_at: Mapped[datetime] = mapped_column(TS)
    stock_returned_at: Mapped[datetime | None] = mapped_column(TS)

    __table_args__ = (
        CheckConstraint("points > 0", name="points_positive"),
        Index("ix_reward_redemptions_reward", "reward_id"),
    )
