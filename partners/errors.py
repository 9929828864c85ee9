"""Refusals of the partner registry."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class PartnerNotFound(NotFound):
    """No partner with that code or id."""

    code = "PARTNER_NOT_FOUND"


class PartnerExists(ExchangeError):
    """A partner with this code already exists."""

    code = "PARTNER_ALREADY_EXISTS"


class PartnerSuspended(ExchangeError):
    """The partner is suspended: it may not issue or redeem points."""

    code = "PARTNER_SUSPENDED"


class NoPriceInForce(ExchangeError):
    """No issue price / redemption value was in force at the transaction's time."""

    code = "NO_PRICE_IN_FORCE"


class ApiKeyNotFound(NotFound):
    """No API key with that id or prefix."""

    code = "API_KEY_NOT_FOUND"
