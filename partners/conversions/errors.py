"""Refusals of exchange between programs, each with a stable code."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class CurrencyNotFound(NotFound):
    """No program currency with that code (for a partner key: of its own)."""

    code = "CONVERSION_CURRENCY_NOT_FOUND"


class ConversionNotOffered(ExchangeError):
    """The currency's rules in force do not offer converting that way (or no rules are)."""

    code = "CONVERSION_NOT_OFFERED"


class ConversionLimitExceeded(ExchangeError):
    """Fewer points than the minimum of one conversion, more than its maximum, or more than
    the member may still convert that way today (the message names the limit)."""

    code = "CONVERSION_LIMIT_EXCEEDED"


class QuoteNotFound(NotFound):
    """No quote with that id that the caller asked for."""

    code = "CONVERSION_QUOTE_NOT_FOUND"


class QuoteExpired(ExchangeError):
    """The quote's lock ran out before it was executed: ask for a new one."""

    code = "CONVERSION_QUOTE_EXPIRED"


class QuoteUsed(ExchangeError):
    """The quote was already executed (under another idempotency key)."""

    code = "CONVERSION_QUOTE_USED"


class ConversionNotFound(NotFound):
    """No conversion with that id of the calling partner (another partner's is not found)."""


class ConversionAlreadyFinal(ExchangeError):
    """The conversion was already confirmed, declined or expired."""

    code = "CONVERSION_ALREADY_FINAL"


class ConversionExpired(ExchangeError):
    """The partner's deadline to confirm passed: the conversion expired, its points went
    back to the member."""

    code = "CONVERSION_EXPIRED"
