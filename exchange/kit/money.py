"""Money as Decimal with an ISO 4217 currency. No float, ever."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal, InvalidOperation

from exchange.kit.errors import InvalidAmount, UnsupportedCurrency

MINOR_UNITS: dict[str, int] = {
    "EUR": 2,
    "USD": 2,
    "GBP": 2,
    "CHF": 2,
    "RON": 2,
    "MDL": 2,
    "PLN": 2,
    "CZK": 2,
    "SEK": 2,
    "NOK": 2,
    "DKK": 2,
    "HUF": 2,
    "CAD": 2,
    "AUD": 2,
    "JPY": 0,
    "KRW": 0,
    "BHD": 3,
    "KWD": 3,
    "TND": 3,
}
MAX_AMOUNT = Decimal("1000000000")
MAX_POINTS = 2**31 - 1


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str

    def as_json(self) -> dict[str, str]:
        return {"amount": format(self.amount, "f"), "currency": self.currency}


def parse_money(amount: str, currency: str, *, program_currency: str) -> Money:
    """Parse a purchase amount: positive, within range, at most the currency's minor unit."""
    code = currency.strip().upper()
    if code not in MINOR_UNITS or code != program_currency:
        raise UnsupportedCurrency(
            f"currency {currency!r} is not accepted; this program settles in {program_currency}",
            field=["amount", "currency"],
        )
    try:
        value = Decimal(amount.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidAmount(
            f"amount {amount!r} is not a decimal number", field=["amount"]
        ) from None
    if not value.is_finite() or value <= 0 or value > MAX_AMOUNT:
        raise InvalidAmount(
            f"amount must be greater than 0 and at most {MAX_AMOUNT}", field=["amount"]
        )
    exponent = value.as_tuple().exponent
    assert isinstance(exponent, int)
    if -exponent > MINOR_UNITS[code]:
        raise InvalidAmount(
            f"{code} amounts have at most {MINOR_UNITS[code]} decimals", field=["amount"]
        )
    return Money(value.quantize(Decimal(1).scaleb(-MINOR_UNITS[code])), code)


def round_to_minor(value: Decimal, currency: str) -> Decimal:
    """Half-even rounding to the currency's minor unit; only at the edge (statement lines)."""
    return value.quantize(Decimal(1).scaleb(-MINOR_UNITS[currency]), rounding=ROUND_HALF_EVEN)


def check_points(points: int, *, field: str = "points") -> int:
    if points <= 0 or points > MAX_POINTS:
        raise InvalidAmount(f"points must be between 1 and {MAX_POINTS}", field=[field])
    return points
