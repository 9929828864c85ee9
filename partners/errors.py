"""Refusals of the partner registry."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound
from exchange.ledger.errors import NoPriceInForce, PartnerSuspended

__all__ = [
    "ApiKeyNotFound",
    "NoPriceInForce",
    "PartnerExists",
    "PartnerNotFound",
    "PartnerSuspended",
]


class PartnerNotFound(NotFound):
    """No partner with that code or id."""

    code = "PARTNER_NOT_FOUND"


class PartnerExists(ExchangeError):
    """A partner with this code already exists."""

    code = "PARTNER_ALREADY_EXISTS"


class ApiKeyNotFound(NotFound):
    """No API key with that id or prefix."""

    code = "API_KEY_NOT_FOUND"
