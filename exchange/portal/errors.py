"""Refusals of the member portal, each with a stable code."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError


class RateLimited(ExchangeError):
    """Too many login codes asked for, or too many wrong codes, for an identifier or from an
    address: try again after ``retry_after`` seconds."""

    code = "RATE_LIMITED"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class InvalidLoginCode(ExchangeError):
    """A login code that is wrong, expired, already used or was never sent (one answer for
    all, so that nobody learns which identifiers belong to members)."""

    code = "INVALID_LOGIN_CODE"


class InvalidCardLinkCode(ExchangeError):
    """A code to link a card that is wrong, expired or used, or that was never sent because
    the card is nobody's or its holder cannot be reached (one answer for all, so that nobody
    learns which cards exist)."""

    code = "INVALID_CARD_LINK_CODE"
