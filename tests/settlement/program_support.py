"""The program reports' worked example: two partners, three members, September and October
2026, every figure written out in the tests that use it.

SHOP earns 1 point per EUR at 0.010, redeems at 0.008, points valid 365 days; CAFE earns 2
per EUR at 0.012, redeems at 0.009, points valid 30 days. Ana and Ben enrol at SHOP in
September, Chloe at CAFE in October.

September: Ana buys 40.00 at SHOP (40 points), Ben 60.00 at SHOP (60) and 10.00 at CAFE (20).
October: Ana buys 25.00 at SHOP (25) and 30.50 at CAFE (61); Chloe buys 12.25 (24) and 4.99
(9) at CAFE and returns the 4.99 the next day (9 points reversed); Ben's 20 CAFE points expire
on the 15th; Ana spends 50 points at CAFE on the 20th. Ben does nothing in October."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from settlement_support import Coalition

from exchange.kit.db import transaction
from exchange.ledger import expiry, members
from exchange.ledger.expiry import ExpiryPolicy

SEP = datetime(2026, 9, 1, tzinfo=UTC)
OCT = datetime(2026, 10, 1, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Program:
    shop: int
    cafe: int
    ana: int
    ben: int
    chloe: int


async def enrol(coalition: Coalition, partner_id: int, email: str, at: datetime) -> int:
    async with transaction(coalition.pool) as conn:
        return await members.enroll(
            conn, enrolment=members.Enrolment(email=email), partner_id=partner_id, now=at
        )


def day(month: datetime, number: int, hour: int = 12) -> datetime:
    return month + timedelta(days=number - 1, hours=hour)


async def worked_example(coalition: Coalition) -> Program:
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008", validity_days=365
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="2", issue_price="0.012", redemption_value="0.009", validity_days=30
    )
    ana = await enrol(coalition, shop, "ana@example.com", day(SEP, 2))
    ben = await enrol(coalition, shop, "ben@example.com", day(SEP, 3))
    chloe = await enrol(coalition, cafe, "chloe@example.com", day(OCT, 2))
    ledger = coalition.ledger
    await ledger.link(ana, cafe)
    await ledger.link(ben, cafe)

    await ledger.earn(ana, shop, "40.00", now=day(SEP, 5))
    await ledger.earn(ben, shop, "60.00", now=day(SEP, 10))
    await ledger.earn(ben, cafe, "10.00", now=day(SEP, 12))

    await ledger.earn(ana, shop, "25.00", now=day(OCT, 3))
    await ledger.earn(ana, cafe, "30.50", now=day(OCT, 8))
    await ledger.earn(chloe, cafe, "12.25", now=day(OCT, 9))
    returned = await ledger.earn(chloe, cafe, "4.99", now=day(OCT, 9, hour=13))
    assert returned.transaction_id is not None
    await ledger.reverse(returned.transaction_id, None, now=day(OCT, 10), partner_id=cafe)
    async with transaction(coalition.pool) as conn:
        await expiry.expire_members(
            conn, [ben], as_of=day(OCT, 15), policy=ExpiryPolicy(), now=day(OCT, 15)
        )
    await ledger.burn(ana, cafe, 50, now=day(OCT, 20))
    return Program(shop, cafe, ana, ben, chloe)
