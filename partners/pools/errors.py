"""Refusals of pooled accounts."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class PoolNotFound(NotFound):
    """No such pool, or one the member does not belong to (nothing about it leaks)."""

    code = "POOL_NOT_FOUND"


class PoolOwnerOnly(ExchangeError):
    """Only the pool's owner manages its members."""

    code = "POOL_OWNER_ONLY"


class PoolSpendingNotAllowed(ExchangeError):
    """The member belongs to the pool as a contributor: it may not spend from it."""

    code = "POOL_SPENDING_NOT_ALLOWED"


class PoolLimitExceeded(ExchangeError):
    """A spend beyond the spender's limit per day or per month (the message names it)."""

    code = "POOL_LIMIT_EXCEEDED"
