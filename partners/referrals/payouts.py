"""Paying qualified referrals: each in a transaction of its own that locks both members in id
order (``referral_pay``), so any number of gateways may run it at once (a referral another
one pays is skipped) and an earn never waits for a second member. Every gateway's sweeper
runs it every few seconds, and ``exchange referrals pay`` by hand."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Pool, transaction
from partners.referrals import repository as repo

BATCH = 100


@dataclass(frozen=True)
class Paid:
    referrals: int
    points: int


async def pay_qualified(pool: Pool, *, now: datetime, limit: int = BATCH) -> Paid:
    """Pay up to ``limit`` qualified referrals, the oldest first."""
    async with transaction(pool) as conn:
        due = await repo.qualified(conn, limit=limit)
    paid = Paid(0, 0)
    for referred_member_id in due:
        async with transaction(pool) as conn:
            points = await repo.pay(conn, referred_member_id, now)
        if points is not None:
            paid = Paid(paid.referrals + 1, paid.points + points)
    return paid
