"""One earn and one burn through the ledger's public services, exactly as the gateway's
``earnPoints`` and ``burnPoints`` resolvers make them (same connection scope, same calls).

This is the only module of the benchmark that knows how the services are called: when the
hot path changes shape, mirror ``exchange/gateway/mutations/{earn,burn}_points.py`` here.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Pool, connection
from exchange.kit.money import Money
from exchange.ledger import burning
from exchange.ledger.outcome import Outcome, Request
from partners.purchases import earn_purchase, purchase_body


def caller(partner_id: int) -> str:
    """The idempotency scope of a partner, as the gateway names it."""
    return f"partner:{partner_id}"


async def earn(
    pool: Pool,
    *,
    partner_id: int,
    member_id: int,
    amount: Decimal,
    currency: str,
    key: str,
    now: datetime,
) -> Outcome:
    money = Money(amount, currency)
    request = Request(
        caller=caller(partner_id),
        idempotency_key=key,
        operation="earnPoints",
        body=purchase_body(member_id, None, money, [], None),
    )
    async with connection(pool) as conn:
        return await earn_purchase(
            conn,
            request,
            partner_id=partner_id,
            member_id=member_id,
            money=money,
            lines=[],
            order_id=None,
            occurred_at=now,
            now=now,
        )


async def burn(
    pool: Pool, *, partner_id: int, member_id: int, points: int, key: str, now: datetime
) -> Outcome:
    request = Request(
        caller=caller(partner_id),
        idempotency_key=key,
        operation="burnPoints",
        body={"memberId": member_id, "points": points, "orderId": None},
    )
    async with connection(pool) as conn:
        return await burning.burn(
            conn,
            request,
            member_id=member_id,
            partner_id=partner_id,
            points=points,
            order_id=None,
            now=now,
        )
