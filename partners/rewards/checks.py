"""A partner's reward, checked field by field (``INVALID_INPUT`` or ``INVALID_AMOUNT`` with
the field at fault); and whether a reward may be redeemed at an instant. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.errors import InvalidInput
from exchange.kit.money import MAX_POINTS, check_points
from partners.rewards.errors import RewardNotAvailable, RewardOutOfStock

MAX_NAME = 200
MAX_DESCRIPTION = 2000


@dataclass(frozen=True)
class Reward:
    id: int
    partner_id: int
    name: str
    description: str | None
    points: int
    active_from: datetime
    active_until: datetime | None
    stock: int | None
    """Units left; None: no limit."""
    status: str
    created_at: datetime
    updated_at: datetime
    retired_at: datetime | None

    def in_window(self, at: datetime) -> bool:
        return self.active_from <= at and (self.active_until is None or at < self.active_until)

    def available(self, at: datetime) -> bool:
        """Redeemable at ``at``: active, within its window, and in stock."""
        return self.status == "ACTIVE" and self.in_window(at) and self.stock != 0


def redeemable(reward: Reward, at: datetime) -> None:
    """Refuse a redemption at ``at`` of a retired reward, one outside its window, or one out
    of stock (the stock is taken for good under the reward's lock, in the burn)."""
    if reward.status != "ACTIVE":
        raise RewardNotAvailable("this reward is retired", field=["rewardId"])
    if not reward.in_window(at):
        until = "" if reward.active_until is None else f" until {reward.active_until.isoformat()}"
        raise RewardNotAvailable(
            f"this reward is offered from {reward.active_from.isoformat()}{until}",
            field=["rewardId"],
        )
    if reward.stock == 0:
        raise RewardOutOfStock("no unit of this reward is left", field=["rewardId"])


def name(value: str) -> str:
    checked = value.strip()
    if not 0 < len(checked) <= MAX_NAME or not checked.isprintable():
        raise InvalidInput(f"name must be 1 to {MAX_NAME} printable characters", field=["name"])
    return checked


def description(value: str | None) -> str | None:
    if value is None:
        return None
    checked = value.strip()
    if len(checked) > MAX_DESCRIPTION or not all(c.isprintable() or c == "\n" for c in checked):
        raise InvalidInput(
            f"description must be at most {MAX_DESCRIPTION} printable characters (and new lines)",
            field=["description"],
        )
    return checked or None


def points(value: int) -> int:
    return check_points(value)


def stock(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= MAX_POINTS:
        raise InvalidInput(f"stock must be between 0 and {MAX_POINTS}", field=["stock"])
    return value


def window(active_from: datetime, active_until: datetime | None) -> None:
    if active_until is not None and active_until <= active_from:
        raise InvalidInput("activeUntil must be after activeFrom", field=["activeUntil"])
