"""Refusals of the reward catalogue."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class RewardNotFound(NotFound):
    """No reward with that id (or another partner's, for a change or a redemption)."""

    code = "REWARD_NOT_FOUND"


class RewardNotAvailable(ExchangeError):
    """The reward is retired, or outside its active window."""

    code = "REWARD_NOT_AVAILABLE"


class RewardOutOfStock(ExchangeError):
    """No unit of the reward is left."""

    code = "REWARD_OUT_OF_STOCK"
