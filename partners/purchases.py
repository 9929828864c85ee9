"""A purchase earning points: the one path ``earnPoints``, the bulk import, the demo seed and
the benchmark share, so the same input always hashes, prices and posts the same way."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Conn
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.outcome import Outcome, Request
from partners import rates, rules


def purchase_body(
    member_id: int,
    order_id: str | None,
    money: Money,
    lines: list[rules.Line],
    occurred_at: datetime | None,
) -> dict[str, object]:
    """The input an earn's idempotency key is bound to (its request hash)."""
    return {
        "memberId": member_id,
        "orderId": order_id,
        "amount": money.as_json(),
        "lines": [[line.category, format(line.amount, "f")] for line in lines],
        "occurredAt": occurred_at,
    }


def earn_details(rate: Decimal, earned: list[rules.LinePoints]) -> dict[str, object]:
    """What the transaction keeps of how its points were computed."""
    lines = [
        {"category": line.category, "amount": format(line.amount, "f"), "points": line.points}
        for line in earned
    ]
    return {"rate": format(rate, "f"), "lines": lines}


async def earn_purchase(
    conn: Conn,
    request: Request,
    *,
    partner_id: int,
    member_id: int,
    money: Money,
    lines: list[rules.Line],
    order_id: str | None,
    occurred_at: datetime,
    now: datetime,
) -> Outcome:
    """Price the purchase at the partner's rate and post the earn (one round trip)."""
    rate = await rates.earn_rate(conn, partner_id)
    earned = rules.earn_points(money.amount, lines, rate)
    return await earning.earn(
        conn,
        request,
        member_id=member_id,
        partner_id=partner_id,
        earn_rate=rate,
        points=sum(line.points for line in earned),
        amount=money,
        order_id=order_id,
        occurred_at=occurred_at,
        now=now,
        details=earn_details(rate, earned),
    )
