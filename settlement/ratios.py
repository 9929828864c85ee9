"""Exact ratios for the program reports: a numerator and a denominator kept as they are, and
rounded half-even only when shown. A ratio over nothing (a zero denominator) shows as 0."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

HUNDRED = 100


@dataclass(frozen=True)
class Ratio:
    numerator: Decimal
    denominator: Decimal

    @classmethod
    def of(cls, numerator: int | Decimal, denominator: int | Decimal) -> Ratio:
        return cls(Decimal(numerator), Decimal(denominator))

    @property
    def exact(self) -> Fraction:
        if not self.denominator:
            return Fraction(0)
        return Fraction(self.numerator) / Fraction(self.denominator)

    def rounded(self, places: int) -> Decimal:
        """The value, rounded half-even to ``places`` decimals (exactly: no float, no
        intermediate rounding)."""
        return _decimal(round(self.exact, places), places)

    def percent(self, places: int = 1) -> Decimal:
        """The value as a percentage, rounded half-even to ``places`` decimals."""
        return _decimal(round(self.exact * HUNDRED, places), places)


def _decimal(value: Fraction, places: int) -> Decimal:
    """A fraction already rounded to ``places`` decimals, as a Decimal with that many."""
    scaled = value * 10**places
    assert scaled.denominator == 1
    quantum = Decimal(1).scaleb(-places)
    return Decimal(scaled.numerator).scaleb(-places).quantize(quantum)
