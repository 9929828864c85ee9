"""A partner's burn terms as burns read them: its burn rule versions and redemption values,
remembered per process so that a burn at a partner without rules costs no query.

Both change rarely and are effective-dated: an entry holds every version and price of the
partner, and the one in force is picked at each burn's instant, so a version set for later
takes effect on time from memory. A change reaches the memory of every process at once
while it hears ``CHANNEL`` (the gateway LISTENs; migration 0015's triggers NOTIFY at commit)
and within ``UNHEARD_TTL_SECONDS`` otherwise; the process that makes a change forgets the
partner's entry itself. An entry read while a change arrived is not remembered.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Conn
from partners.burn_rule_store import versions_of
from partners.burn_rules.evaluation import Limits, limits
from partners.burn_rules.rule_sets import RuleSet, in_force
from partners.errors import NoPriceInForce

CHANNEL = "burn_terms_changed"
HEARD_TTL_SECONDS = 300.0
UNHEARD_TTL_SECONDS = 5.0
ConnFactory = Callable[[], AbstractAsyncContextManager[Conn]]


@dataclass(frozen=True)
class BurnTerms:
    """Every burn rule version and redemption value of one partner."""

    partner_id: int
    versions: tuple[RuleSet, ...]
    redemption_values: tuple[tuple[datetime, Decimal], ...]
    """(effective from, money per point), the latest first."""

    def rule_set(self, at: datetime) -> RuleSet | None:
        return in_force(self.versions, at)

    def redemption_value(self, at: datetime) -> Decimal:
        for start, value in self.redemption_values:
            if start <= at:
                return value
        raise NoPriceInForce(f"no price was in force at {at.isoformat()}")


async def load(conn: Conn, partner_id: int) -> BurnTerms:
    versions = await versions_of(conn, [partner_id])
    cur = await conn.execute(
        "SELECT effective_from, redemption_value FROM partner_prices WHERE partner_id = %s"
        " ORDER BY effective_from DESC",
        (partner_id,),
    )
    prices = tuple((row["effective_from"], row["redemption_value"]) for row in await cur.fetchall())
    return BurnTerms(partner_id, tuple(versions[partner_id]), prices)


@dataclass
class TermsCache:
    listening: bool = False
    generation: int = 0
    _terms: dict[int, tuple[BurnTerms, float]] = field(default_factory=dict)

    def forget(self, partner_id: int | None = None) -> None:
        """Drop one partner's entry (None: every entry)."""
        self.generation += 1
        if partner_id is None:
            self._terms.clear()
        else:
            self._terms.pop(partner_id, None)

    def _cached(self, partner_id: int) -> BurnTerms | None:
        entry = self._terms.get(partner_id)
        ttl = HEARD_TTL_SECONDS if self.listening else UNHEARD_TTL_SECONDS
        if entry is None or time.monotonic() - entry[1] > ttl:
            return None
        return entry[0]

    async def terms(self, connect: ConnFactory, partner_id: int) -> BurnTerms:
        if (found := self._cached(partner_id)) is not None:
            return found
        generation = self.generation
        async with connect() as conn:
            found = await load(conn, partner_id)
        if generation == self.generation:
            self._terms[partner_id] = (found, time.monotonic())
        return found


CACHE = TermsCache()


async def limits_at(
    connect: ConnFactory,
    partner_id: int,
    *,
    at: datetime,
    currency: str,
    basket: Decimal | None,
    reward: bool = False,
) -> Limits:
    """The limits of a burn at the partner at ``at`` (the version in force, its point value)."""
    terms = await CACHE.terms(connect, partner_id)
    return limits(
        terms.rule_set(at),
        redemption_value=terms.redemption_value(at),
        currency=currency,
        basket=basket,
        reward=reward,
    )
