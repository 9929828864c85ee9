"""A partner's earn rules: versions, each in force from its ``effective_from`` on.

A version is never edited: a change is a new version. The version in force at an instant is
the one with the latest ``effective_from`` at or before it (the higher version when two start
at the same instant), so a version set for the future leaves the present alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from functools import cached_property

from partners.versions import in_force as in_force


class Rule(StrEnum):
    """The rules an earn goes through, in the order they apply."""

    MINIMUM_PURCHASE = "MINIMUM_PURCHASE"
    MULTIPLIER = "MULTIPLIER"
    BASE_RATE = "BASE_RATE"
    CATEGORY_RATE = "CATEGORY_RATE"
    EXCLUDED_CATEGORY = "EXCLUDED_CATEGORY"
    CAP_PER_TRANSACTION = "CAP_PER_TRANSACTION"
    CAP_PER_MEMBER_PER_DAY = "CAP_PER_MEMBER_PER_DAY"


@dataclass(frozen=True)
class CategoryRate:
    category: str
    rate: Decimal


@dataclass(frozen=True)
class Terms:
    """What a version says. Rates are points per whole unit of money (0.1: a point per 10)."""

    base_rate: Decimal
    category_rates: tuple[CategoryRate, ...] = ()
    excluded_categories: tuple[str, ...] = ()
    minimum_purchase: Decimal | None = None
    """The least a purchase must cost (money paid) to earn anything."""
    cap_per_transaction: int | None = None
    cap_per_member_per_day: int | None = None
    """Points one member may earn at the partner in one UTC day, whatever the purchases."""

    @cached_property
    def _rates(self) -> dict[str, CategoryRate]:
        return {rate.category.casefold(): rate for rate in self.category_rates}

    @cached_property
    def _excluded(self) -> frozenset[str]:
        return frozenset(category.casefold() for category in self.excluded_categories)

    def rate_for(self, category: str) -> tuple[Decimal, Rule]:
        """The rate a line of ``category`` earns at, and the rule that gives it (categories
        match whatever their case)."""
        key = category.casefold()
        if key in self._excluded:
            return Decimal(0), Rule.EXCLUDED_CATEGORY
        found = self._rates.get(key)
        if found is not None:
            return found.rate, Rule.CATEGORY_RATE
        return self.base_rate, Rule.BASE_RATE


@dataclass(frozen=True)
class RuleSet:
    """One version of a partner's earn rules."""

    id: int
    partner_id: int
    version: int
    effective_from: datetime
    terms: Terms
    created_at: datetime | None = None
