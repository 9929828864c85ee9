"""The limits of a burn in words, with their numbers: what ``burnQuote`` shows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from partners.burn_rules.evaluation import Limits, Usable, amount, percent
from partners.burn_rules.rule_sets import Limit


@dataclass(frozen=True)
class Step:
    limit: Limit
    message: str
    points: int | None = None
    """The most points this limit leaves (None: it leaves any number)."""
    applied: bool = False
    """True for the limit that bound the points usable now."""


def _money(limits: Limits, value: Decimal | None) -> str:
    assert value is not None
    return f"{amount(value, limits.currency)} {limits.currency}"


def _minimum_basket(limits: Limits, usable: Usable) -> Step:
    minimum = _money(limits, limits.terms.minimum_basket)
    basket = _money(limits, limits.basket)
    if usable.bound_by is Limit.MINIMUM_BASKET:
        message = f"a basket of {basket}: below the minimum of {minimum}, so no points"
        return Step(Limit.MINIMUM_BASKET, message, 0, applied=True)
    return Step(Limit.MINIMUM_BASKET, f"a basket of {basket}: at least the minimum of {minimum}")


def _share(limits: Limits, usable: Usable) -> Step:
    assert limits.share is not None
    value = _money(limits, limits.point_value)
    message = (
        f"at most {percent(limits.share)}% of the basket at {value} a point:"
        f" {limits.basket_cap} points for {_money(limits, limits.basket)}"
    )
    applied = usable.bound_by is Limit.MAX_BASKET_SHARE
    return Step(Limit.MAX_BASKET_SHARE, message, limits.basket_cap, applied)


def _minimum_points(limits: Limits, usable: Usable, fit: int) -> Step:
    minimum = limits.terms.minimum_points
    if usable.bound_by is Limit.MINIMUM_POINTS:
        message = f"at least {minimum} points per burn: the {fit} that fit are too few, so none"
        return Step(Limit.MINIMUM_POINTS, message, 0, applied=True)
    return Step(Limit.MINIMUM_POINTS, f"at least {minimum} points per burn: {fit} fit")


def steps(limits: Limits, usable: Usable, available: int) -> list[Step]:
    """The limits in the order a burn meets them; the one that bound ``usable`` is applied."""
    if usable.bound_by is Limit.REDEMPTION_NOT_ACCEPTED:
        message = "this partner accepts no points as payment"
        return [Step(Limit.REDEMPTION_NOT_ACCEPTED, message, 0, applied=True)]
    said = []
    if limits.terms.minimum_basket is not None and not limits.reward:
        said.append(_minimum_basket(limits, usable))
        if usable.bound_by is Limit.MINIMUM_BASKET:
            return said
    if limits.basket_cap is not None:
        said.append(_share(limits, usable))
    applied = usable.bound_by is Limit.AVAILABLE_POINTS
    said.append(Step(Limit.AVAILABLE_POINTS, f"{available} points available", available, applied))
    if limits.terms.minimum_points is not None:
        fit = min(available, limits.basket_cap if limits.basket_cap is not None else available)
        said.append(_minimum_points(limits, usable, max(0, fit)))
    return said
