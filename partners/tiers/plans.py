"""Paid memberships: plans as data (a catalogue, versioned and effective-dated like the tier
ladder) and the memberships members buy through a partner.

A plan grants a tier (the higher of the earned and the paid tier applies) or an earn
multiplier, for a term, at a price the selling partner owes the operator (settlement bills it
as a ``MEMBERSHIP_SOLD`` line). A plan bought again while one of the same plan runs extends
it: the new term starts when the running one ends.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal


@dataclass(frozen=True)
class Plan:
    code: str
    name: str
    term_days: int
    price: Decimal
    currency: str
    tier: str | None = None
    """The tier it grants (by name in the ladder in force), or None."""
    multiplier: Decimal | None = None
    """The earn multiplier it grants, or None (a plan grants one or the other)."""

    @property
    def term(self) -> timedelta:
        return timedelta(days=self.term_days)


@dataclass(frozen=True)
class Catalogue:
    """One version of the plans on sale."""

    id: int
    version: int
    effective_from: datetime
    plans: tuple[Plan, ...]

    def plan(self, code: str) -> Plan | None:
        key = code.strip().upper()
        return next((plan for plan in self.plans if plan.code == key), None)


@dataclass(frozen=True)
class Membership:
    """A plan a member bought: what it grants, from when to when."""

    id: int
    member_id: int
    plan_code: str
    plan_name: str
    tier: str | None
    multiplier: Decimal | None
    starts_at: datetime
    ends_at: datetime

    def active(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


def term(plan: Plan, held: Iterable[Membership], now: datetime) -> tuple[datetime, datetime]:
    """When a membership of ``plan`` bought at ``now`` starts and ends: at once, or when the
    member's running membership of the same plan ends (the latest, if several)."""
    same = [m.ends_at for m in held if m.plan_code == plan.code and m.ends_at > now]
    starts = max([now, *same])
    return starts, starts + plan.term
