"""Input of program currencies, conversion rules and quotes, checked field by field
(``INVALID_INPUT`` or ``INVALID_AMOUNT`` with the path of the field at fault, relative to the
mutation's ``input``). Pure."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from exchange.kit.errors import InvalidAmount, InvalidInput
from exchange.kit.money import MAX_POINTS
from partners.conversions.rules import Terms, Way

CODE = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
MAX_RATE = Decimal("1000000")
RATE_DECIMALS = 6
MAX_DECIMALS = 4
MAX_AMOUNT = Decimal("1000000000000")
MAX_ACCOUNT = 64


def currency_code(value: str) -> str:
    code = value.strip().upper()
    if not CODE.match(code):
        raise InvalidInput(
            "a currency code is 2 to 10 letters and digits, starting with a letter (SKY)",
            field=["currency"],
        )
    return code


def currency_name(value: str) -> str:
    name = value.strip()
    if not 0 < len(name) <= 100 or not name.isprintable():
        raise InvalidInput("name must be 1 to 100 printable characters", field=["name"])
    return name


def decimals(value: int) -> int:
    if not 0 <= value <= MAX_DECIMALS:
        raise InvalidInput(f"decimals must be 0 to {MAX_DECIMALS}", field=["decimals"])
    return value


def rate(value: str | None, field: list[str]) -> Decimal | None:
    """A conversion rate: a decimal above 0, at most 1,000,000, with at most 6 decimals."""
    if value is None:
        return None
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidAmount(f"{value!r} is not a decimal number", field=field) from None
    exponent = parsed.as_tuple().exponent
    if (
        not parsed.is_finite()
        or not 0 < parsed <= MAX_RATE
        or (isinstance(exponent, int) and -exponent > RATE_DECIMALS)
    ):
        raise InvalidAmount(
            f"a rate is above 0 and at most {MAX_RATE} with at most {RATE_DECIMALS} decimals",
            field=field,
        )
    return parsed


def _points(value: int | None, field: list[str]) -> int | None:
    if value is not None and not 0 < value <= MAX_POINTS:
        raise InvalidAmount(f"points must be between 1 and {MAX_POINTS}", field=field)
    return value


def way(
    name: str,
    *,
    offered: bool,
    rate_text: str | None,
    minimum_points: int | None,
    maximum_points: int | None,
    daily_points: int | None,
) -> Way:
    """One direction's rules (``name``: the input field, ``in`` or ``out``). Offered, it
    needs a rate; a minimum may not be above the maximum."""
    checked = Way(
        offered=offered,
        rate=rate(rate_text, [name, "rate"]),
        minimum_points=_points(minimum_points, [name, "minimumPoints"]),
        maximum_points=_points(maximum_points, [name, "maximumPoints"]),
        daily_points=_points(daily_points, [name, "dailyLimitPoints"]),
    )
    if offered and checked.rate is None:
        raise InvalidInput(f"a rate is needed to offer converting {name}", field=[name, "rate"])
    low, high = checked.minimum_points, checked.maximum_points
    if low is not None and high is not None and low > high:
        raise InvalidInput(
            "minimumPoints may not be above maximumPoints", field=[name, "minimumPoints"]
        )
    return checked


def terms(into: Way, out: Way) -> Terms:
    return Terms(into=into, out=out)


def amount(value: str, places: int) -> Decimal:
    """An amount of a program currency: above 0, a multiple of its unit."""
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidAmount(f"amount {value!r} is not a decimal number", field=["amount"]) from None
    exponent = parsed.as_tuple().exponent
    if not parsed.is_finite() or not 0 < parsed <= MAX_AMOUNT:
        raise InvalidAmount(f"amount must be above 0 and at most {MAX_AMOUNT}", field=["amount"])
    if isinstance(exponent, int) and -exponent > places:
        raise InvalidAmount(f"this currency has at most {places} decimals", field=["amount"])
    return parsed.quantize(Decimal(1).scaleb(-places))


def program_account(value: str | None) -> str | None:
    """The member's account number in the partner's program, as the member gives it."""
    if value is None or not value.strip():
        return None
    account = value.strip()
    if len(account) > MAX_ACCOUNT or not account.isprintable():
        raise InvalidInput(
            f"programAccount must be 1 to {MAX_ACCOUNT} printable characters",
            field=["programAccount"],
        )
    return account
