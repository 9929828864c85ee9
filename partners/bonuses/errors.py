"""Refusals of bonus events."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class BonusEventTypeNotFound(NotFound):
    """No event type of that code in the catalogue in force (or no catalogue at all)."""

    code = "BONUS_EVENT_TYPE_NOT_FOUND"


class BonusLimitExceeded(ExchangeError):
    """The member already had as many awards of the type in the period as its limit allows
    (the message names the limit)."""

    code = "BONUS_LIMIT_EXCEEDED"


class BonusAlreadyAwarded(ExchangeError):
    """The member already had an award of the type for this reference."""

    code = "BONUS_ALREADY_AWARDED"
