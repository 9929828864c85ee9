"""An admin's new ladder or plan catalogue, checked field by field (``INVALID_INPUT`` with the
path of the field at fault, relative to the mutation's ``input``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from exchange.kit.errors import InvalidInput
from exchange.kit.money import MAX_POINTS
from partners.tiers.plans import Plan

MAX_TIERS = 20
MAX_NAME = 40
MAX_BENEFITS = 2000
MAX_DAYS = 3660
MAX_MULTIPLIER = Decimal(100)
MAX_MULTIPLIER_DECIMALS = 4
MAX_PLANS = 50
PLAN_CODE_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass(frozen=True)
class NewLevel:
    name: str
    threshold: int
    multiplier: Decimal
    benefits: str


@dataclass(frozen=True)
class NewLadder:
    levels: tuple[NewLevel, ...]
    window_days: int
    review_every_days: int
    grace_days: int


def multiplier(value: str, field: list[str]) -> Decimal:
    """A factor on earned points: a decimal string above 0, at most 100, 4 decimals."""
    try:
        parsed = Decimal(value.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidInput(f"{value!r} is not a decimal number", field=field) from None
    exponent = parsed.as_tuple().exponent
    if (
        not parsed.is_finite()
        or not 0 < parsed <= MAX_MULTIPLIER
        or (isinstance(exponent, int) and -exponent > MAX_MULTIPLIER_DECIMALS)
    ):
        raise InvalidInput(
            f"a multiplier is above 0 and at most {MAX_MULTIPLIER}, with at most"
            f" {MAX_MULTIPLIER_DECIMALS} decimals",
            field=field,
        )
    return parsed


def days(value: timedelta, field: list[str], *, least: int = 1) -> int:
    """A duration in whole days, ``least`` to 3660."""
    whole, rest = divmod(value, timedelta(days=1))
    if rest or not least <= whole <= MAX_DAYS:
        raise InvalidInput(f"give whole days, {least} to {MAX_DAYS} (such as P365D)", field=field)
    return int(whole)


def name(value: str, field: list[str], *, longest: int = MAX_NAME) -> str:
    found = value.strip()
    if not 0 < len(found) <= longest or not found.isprintable():
        raise InvalidInput(f"a name is 1 to {longest} printable characters", field=field)
    return found


def _benefits(value: str, field: list[str]) -> str:
    found = value.strip()
    if len(found) > MAX_BENEFITS or not all(c.isprintable() or c == "\n" for c in found):
        raise InvalidInput(
            f"benefits are at most {MAX_BENEFITS} printable characters (and line breaks)",
            field=field,
        )
    return found


def _level(given: NewLevel, index: int, below: NewLevel | None) -> NewLevel:
    where = ["tiers", str(index)]
    if not 0 <= given.threshold <= MAX_POINTS:
        raise InvalidInput(f"a threshold is 0 to {MAX_POINTS} points", field=[*where, "threshold"])
    if below is not None and given.threshold <= below.threshold:
        raise InvalidInput(
            "list the tiers from the lowest threshold up, each above the one before",
            field=[*where, "threshold"],
        )
    return NewLevel(
        name=name(given.name, [*where, "name"]),
        threshold=given.threshold,
        multiplier=given.multiplier,
        benefits=_benefits(given.benefits, [*where, "benefits"]),
    )


def ladder(
    levels: Sequence[NewLevel], *, window: timedelta, review_every: timedelta, grace_days: int
) -> NewLadder:
    """The new version, or the first field at fault. No tiers at all is a version too: the
    program stops having tiers from its start on."""
    if len(levels) > MAX_TIERS:
        raise InvalidInput(f"at most {MAX_TIERS} tiers", field=["tiers"])
    checked: list[NewLevel] = []
    for index, given in enumerate(levels):
        level = _level(given, index, checked[-1] if checked else None)
        if level.name.casefold() in {seen.name.casefold() for seen in checked}:
            raise InvalidInput(f"two tiers are named {level.name}", field=["tiers", str(index)])
        checked.append(level)
    review_every_days = days(review_every, ["reviewEvery"])
    if not 0 <= grace_days < review_every_days:
        raise InvalidInput(
            "graceDays is 0 or more and shorter than the review period", field=["graceDays"]
        )
    return NewLadder(
        levels=tuple(checked),
        window_days=days(window, ["window"]),
        review_every_days=review_every_days,
        grace_days=grace_days,
    )


def _code(value: str, field: list[str]) -> str:
    code = value.strip().upper()
    if not 2 <= len(code) <= 32 or not set(code) <= PLAN_CODE_CHARACTERS:
        raise InvalidInput("a plan code is 2 to 32 letters, digits or _", field=field)
    return code


def plan(given: Plan, index: int, tiers: dict[str, str]) -> Plan:
    """One plan of a catalogue; ``tiers``: the names of the ladder in force, by their
    casefolded form (a plan keeps the ladder's spelling)."""
    where = ["plans", str(index)]
    if (given.tier is None) == (given.multiplier is None):
        raise InvalidInput("a plan grants a tier or a multiplier, one of them", field=where)
    if given.tier is not None and given.tier.strip().casefold() not in tiers:
        raise InvalidInput(
            f"the ladder in force has no tier {given.tier.strip()}", field=[*where, "tier"]
        )
    if given.price < 0:
        raise InvalidInput("a price is 0 or more", field=[*where, "price"])
    if not 1 <= given.term_days <= MAX_DAYS:
        raise InvalidInput(f"a term is 1 to {MAX_DAYS} days", field=[*where, "term"])
    return Plan(
        code=_code(given.code, [*where, "code"]),
        name=name(given.name, [*where, "name"], longest=100),
        term_days=given.term_days,
        price=given.price,
        currency=given.currency,
        tier=None if given.tier is None else tiers[given.tier.strip().casefold()],
        multiplier=given.multiplier,
    )


def plans(given: Sequence[Plan], tiers: dict[str, str]) -> tuple[Plan, ...]:
    if len(given) > MAX_PLANS:
        raise InvalidInput(f"at most {MAX_PLANS} plans", field=["plans"])
    checked: list[Plan] = []
    for index, found in enumerate(given):
        one = plan(found, index, tiers)
        if one.code in {seen.code for seen in checked}:
            raise InvalidInput(f"two plans have the code {one.code}", field=["plans", str(index)])
        checked.append(one)
    return tuple(checked)
