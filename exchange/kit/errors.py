"""The root of every business error: a stable ``code`` and a message a user can act on."""

from __future__ import annotations

from collections.abc import Sequence


class ExchangeError(Exception):
    """A refusal the caller can understand; rendered as a GraphQL userError."""

    code: str = "INTERNAL"

    def __init__(self, message: str, *, field: Sequence[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = list(field) if field else None


class InvalidAmount(ExchangeError):
    """Points or money out of range, malformed, or with too many decimals."""

    code = "INVALID_AMOUNT"


class UnsupportedCurrency(ExchangeError):
    """A money amount in a currency other than the program's."""

    code = "UNSUPPORTED_CURRENCY"


class IdempotencyConflict(ExchangeError):
    """An idempotency key reused with a different input."""

    code = "IDEMPOTENCY_CONFLICT"


class NotFound(ExchangeError):
    """An object that does not exist or that the caller may not see."""

    code = "NOT_FOUND"


class InvalidInput(ExchangeError):
    """An input that breaks a rule not covered by a more specific code."""

    code = "INVALID_INPUT"
