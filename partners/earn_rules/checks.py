"""An admin's new rule version, checked field by field (``INVALID_INPUT`` with the path of
the field at fault, relative to the mutation's ``input``)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal, InvalidOperation

from exchange.kit.errors import InvalidInput
from exchange.kit.money import MAX_POINTS
from partners.earn_rules.rule_sets import CategoryRate, Terms

MAX_RATE = Decimal(1000)
MAX_RATE_DECIMALS = 6
MAX_CATEGORIES = 200
MAX_CATEGORY = 64


def rate(value: str, field: list[str]) -> Decimal:
    """Points per whole unit of money: a decimal string, 0 to 1000, at most 6 decimals."""
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidInput(f"{value!r} is not a decimal number", field=field) from None
    exponent = parsed.as_tuple().exponent
    if (
        not parsed.is_finite()
        or not 0 <= parsed <= MAX_RATE
        or (isinstance(exponent, int) and -exponent > MAX_RATE_DECIMALS)
    ):
        raise InvalidInput(
            f"a rate is between 0 and {MAX_RATE} with at most {MAX_RATE_DECIMALS} decimals",
            field=field,
        )
    return parsed


def category(value: str, field: list[str]) -> str:
    name = value.strip()
    if not 0 < len(name) <= MAX_CATEGORY or not name.isprintable():
        raise InvalidInput(f"a category is 1 to {MAX_CATEGORY} printable characters", field=field)
    return name


def cap(value: int | None, name: str) -> int | None:
    if value is not None and not 0 < value <= MAX_POINTS:
        raise InvalidInput(f"{name} must be between 1 and {MAX_POINTS} points", field=[name])
    return value


def _category_rates(given: Sequence[tuple[str, str]]) -> tuple[CategoryRate, ...]:
    rates: dict[str, CategoryRate] = {}
    for index, (name, value) in enumerate(given):
        where = ["categoryRates", str(index)]
        checked = category(name, [*where, "category"])
        if checked.casefold() in rates:
            raise InvalidInput(f"{checked} has two rates", field=[*where, "category"])
        rates[checked.casefold()] = CategoryRate(checked, rate(value, [*where, "rate"]))
    return tuple(rates.values())


def _excluded(given: Sequence[str], rated: tuple[CategoryRate, ...]) -> tuple[str, ...]:
    rated_names = {found.category.casefold() for found in rated}
    excluded: dict[str, str] = {}
    for index, name in enumerate(given):
        checked = category(name, ["excludedCategories", str(index)])
        if checked.casefold() in rated_names:
            raise InvalidInput(
                f"{checked} has a rate and is excluded: say one or the other",
                field=["excludedCategories", str(index)],
            )
        excluded.setdefault(checked.casefold(), checked)
    return tuple(excluded.values())


def terms(
    *,
    base_rate: str,
    category_rates: Sequence[tuple[str, str]] = (),
    excluded_categories: Sequence[str] = (),
    minimum_purchase: Decimal | None = None,
    cap_per_transaction: int | None = None,
    cap_per_member_per_day: int | None = None,
) -> Terms:
    """The new version's terms, or the first field at fault."""
    if len(category_rates) + len(excluded_categories) > MAX_CATEGORIES:
        raise InvalidInput(
            f"at most {MAX_CATEGORIES} categories with a rate or excluded", field=["categoryRates"]
        )
    rated = _category_rates(category_rates)
    return Terms(
        base_rate=rate(base_rate, ["baseRate"]),
        category_rates=rated,
        excluded_categories=_excluded(excluded_categories, rated),
        minimum_purchase=minimum_purchase,
        cap_per_transaction=cap(cap_per_transaction, "capPerTransaction"),
        cap_per_member_per_day=cap(cap_per_member_per_day, "capPerMemberPerDay"),
    )
