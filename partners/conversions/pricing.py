"""The numbers of a conversion, exact (rationals, never floats), and the limits it meets.
Pure: plain values in and out.

Points are whole; an amount of the currency is a multiple of its unit (10^-decimals). Every
rounding favours neither side silently: it is written in the quote.

- IN by amount: points = floor(amount x rate) (1,000 miles at 0.8 give 800 points).
- IN by points: the least amount whose floor(amount x rate) reaches them; the points are
  then those of that amount (they may be a little more than asked).
- OUT by points: amount = the points x rate, rounded down to the unit (1,001 points at 1.25
  give 1,251 miles, not 1,251.25).
- OUT by amount: the fewest points whose amount reaches it; the amount is then theirs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from exchange.kit.errors import InvalidAmount
from partners.conversions.errors import ConversionLimitExceeded, ConversionNotOffered
from partners.conversions.rules import Direction, Way


@dataclass(frozen=True)
class Priced:
    points: int
    amount: Decimal


def _floor_to_unit(value: Fraction, decimals: int) -> Decimal:
    return Decimal(math.floor(value * 10**decimals)).scaleb(-decimals)


def _ceil_to_unit(value: Fraction, decimals: int) -> Decimal:
    return Decimal(math.ceil(value * 10**decimals)).scaleb(-decimals)


def by_amount(direction: Direction, rate: Decimal, amount: Decimal, decimals: int) -> Priced:
    """The points of converting ``amount`` (a multiple of the unit) at ``rate``."""
    if direction is Direction.IN:
        points = math.floor(Fraction(amount) * Fraction(rate))
        return _nonzero(Priced(points, amount), "amount")
    points = math.ceil(Fraction(amount) / Fraction(rate))
    return _nonzero(Priced(points, _floor_to_unit(points * Fraction(rate), decimals)), "amount")


def by_points(direction: Direction, rate: Decimal, points: int, decimals: int) -> Priced:
    """The amount of converting ``points`` at ``rate``."""
    if direction is Direction.OUT:
        return _nonzero(Priced(points, _floor_to_unit(points * Fraction(rate), decimals)), "points")
    amount = _ceil_to_unit(points / Fraction(rate), decimals)
    return _nonzero(Priced(math.floor(Fraction(amount) * Fraction(rate)), amount), "points")


def _nonzero(priced: Priced, field: str) -> Priced:
    if priced.points <= 0 or priced.amount <= 0:
        raise InvalidAmount("too little to convert: it gives nothing at this rate", field=[field])
    return priced


def check_offered(way: Way, direction: Direction) -> Decimal:
    """The way's rate, if the rules offer converting that way."""
    if not way.offered or way.rate is None:
        raise ConversionNotOffered(
            f"converting {'into points' if direction is Direction.IN else 'out of points'}"
            " is not offered in this currency now",
            field=["direction"],
        )
    return way.rate


def check_limits(
    way: Way, direction: Direction, points: int, *, converted_today: int, field: str
) -> None:
    """Refuse a conversion of ``points`` the rules do not allow, naming the limit.
    ``converted_today``: what the member already converted this way today."""
    check_offered(way, direction)
    if way.minimum_points is not None and points < way.minimum_points:
        raise ConversionLimitExceeded(
            f"at least {way.minimum_points} points per conversion: {points} asked for",
            field=[field],
        )
    if way.maximum_points is not None and points > way.maximum_points:
        raise ConversionLimitExceeded(
            f"at most {way.maximum_points} points per conversion: {points} asked for",
            field=[field],
        )
    if way.daily_points is not None and converted_today + points > way.daily_points:
        left = max(0, way.daily_points - converted_today)
        raise ConversionLimitExceeded(
            f"at most {way.daily_points} points a day this way: {left} left today,"
            f" {points} asked for",
            field=[field],
        )
