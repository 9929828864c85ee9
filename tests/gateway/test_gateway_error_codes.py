"""Every ExchangeError code in the codebase is a value of the GraphQL ErrorCode enum."""

from __future__ import annotations

import importlib
import pkgutil

import exchange
import partners
from exchange.gateway.types.common import ErrorCode, UserError
from exchange.kit.errors import ExchangeError, InvalidAmount


def _import_everything() -> None:
    for package in (exchange, partners):
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
            skip = module.name.startswith("exchange.migrations") or module.name.endswith("__main__")
            if not skip:
                importlib.import_module(module.name)


def _subclasses(cls: type[ExchangeError]) -> set[type[ExchangeError]]:
    found = set(cls.__subclasses__())
    for sub in list(found):
        found |= _subclasses(sub)
    return found


def test_every_error_code_is_in_the_enum():
    _import_everything()
    subclasses = _subclasses(ExchangeError)
    assert len(subclasses) >= 15
    codes = {cls.code for cls in subclasses}
    missing = codes - {code.value for code in ErrorCode}
    assert not missing, f"add to ErrorCode: {sorted(missing)}"


def test_contract_codes_are_present():
    contract = {
        "MEMBER_NOT_FOUND",
        "INSUFFICIENT_POINTS",
        "PARTNER_CREDIT_LIMIT",
        "HOLD_NOT_FOUND",
        "HOLD_EXPIRED",
        "HOLD_ALREADY_FINAL",
        "AMOUNT_EXCEEDS_ORIGINAL",
        "IDEMPOTENCY_CONFLICT",
        "INVALID_AMOUNT",
        "UNSUPPORTED_CURRENCY",
        "BURN_LIMIT_EXCEEDED",
        "MEMBER_CLOSED",
        "RATE_LIMITED",
    }
    assert contract <= {code.value for code in ErrorCode}


def test_user_error_keeps_message_and_field():
    error = UserError.of(InvalidAmount("too many decimals", field=["amount"]))
    assert (error.code, error.message, error.field) == (
        ErrorCode.INVALID_AMOUNT,
        "too many decimals",
        ["amount"],
    )
