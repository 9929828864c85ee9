"""``convertPoints``: execute a quote, once, before its lock runs out.

One transaction, under the member's lock: the idempotency key (the same key and quote answer
the same conversion), the quote (the caller's own, unused, not expired), the limits of the
quote's rule version again with what the member converted today (so concurrent conversions
never go beyond the daily limit together), then
- IN: the points credited as an earn funded by the partner (``conversion.completed``);
- OUT: the points held at the partner until it confirms (``conversion.requested``; the
  partner's deadline is ``EXCHANGE_CONVERSION_CONFIRM_SECONDS`` away).
A refusal rolls it all back, the key and the quote's use included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.ledger import burning, conversions, idempotency
from exchange.ledger.locking import lock_active_member
from partners.conversions import pricing, store, wording
from partners.conversions.errors import QuoteExpired, QuoteNotFound, QuoteUsed
from partners.conversions.quoting import Quote, check_partner, converted_today, quote_for
from partners.conversions.rules import Direction

OPERATION = "convertPoints"


@dataclass(frozen=True)
class Execute:
    quote_id: int
    caller: str
    """The idempotency scope of the caller: the quote's own asker only."""
    idempotency_key: str
    confirm_within: timedelta


async def _quote(conn: Conn, quote_id: int, caller: str) -> Quote:
    found = await quote_for(conn, quote_id, caller)
    if found is None:
        raise QuoteNotFound("no quote with this id", field=["quoteId"])
    return found


async def _usable(conn: Conn, quote_id: int, now: datetime) -> None:
    """Read again under the member's lock: a concurrent use of the quote has committed."""
    cur = await conn.execute(
        "SELECT used_at, expires_at FROM conversion_quotes WHERE id = %s", (quote_id,)
    )
    row = await cur.fetchone()
    assert row is not None
    if row["used_at"] is not None:
        raise QuoteUsed("this quote was already used: ask for a new one", field=["quoteId"])
    if row["expires_at"] <= now:
        raise QuoteExpired(
            f"this quote expired at {row['expires_at'].isoformat()}: ask for a new one",
            field=["quoteId"],
        )


def details(conversion_id: int, quote: Quote) -> dict[str, Any]:
    """What the ledger keeps of the conversion on its entry and hold."""
    return {
        "conversion": {
            "id": to_global_id("Conversion", conversion_id),
            "direction": quote.direction.value,
            "currency": quote.currency.code,
            "amount": format(quote.amount, "f"),
            "rate": format(quote.rate.normalize(), "f"),
        }
    }


async def execute(conn: Conn, run: Execute, *, now: datetime) -> int:
    """Execute the quote; returns the conversion's id."""
    request = {"quoteId": run.quote_id}
    done = await idempotency.claim(
        conn, caller=run.caller, key=run.idempotency_key, operation=OPERATION, request=request
    )
    if done is not None:
        return int(done["conversion_id"])
    quote = await _quote(conn, run.quote_id, run.caller)
    member = await lock_active_member(conn, quote.member_id, None)
    await _usable(conn, quote.id, now)
    rules = await store.rule_set_by_id(conn, quote.rule_set_id)
    today = await converted_today(conn, quote.member_id, quote.currency.id, quote.direction, now)
    pricing.check_limits(
        rules.terms.way(quote.direction),
        quote.direction,
        quote.points,
        converted_today=today,
        field="quoteId",
    )
    conversion_id = await _next_id(conn)
    if quote.direction is Direction.IN:
        entry_id = await conversions.credit_converted(
            conn,
            member,
            partner_id=quote.currency.partner_id,
            points=quote.points,
            reason=wording.reason(
                quote.direction, quote.amount, quote.currency.code, quote.currency.name
            ),
            details=details(conversion_id, quote),
            now=now,
        )
        await _record(conn, conversion_id, quote, run.caller, now, entry_id=entry_id)
        await _emit(conn, conversion_id, "conversion.completed", now)
    else:
        await check_partner(conn, quote.currency.partner_id)
        deadline = now + run.confirm_within
        hold_id = await burning.place_hold(
            conn,
            member,
            partner_id=quote.currency.partner_id,
            points=quote.points,
            order_id=None,
            expires_at=deadline,
            now=now,
            details=details(conversion_id, quote),
        )
        await _record(conn, conversion_id, quote, run.caller, now, hold=(hold_id, deadline))
        await _emit(conn, conversion_id, "conversion.requested", now)
    await conn.execute("UPDATE conversion_quotes SET used_at = %s WHERE id = %s", (now, quote.id))
    await idempotency.store(
        conn, caller=run.caller, key=run.idempotency_key, response={"conversion_id": conversion_id}
    )
    return conversion_id


async def _next_id(conn: Conn) -> int:
    cur = await conn.execute("SELECT nextval('conversions_id_seq') AS id")
    row = await cur.fetchone()
    assert row is not None
    next_id: int = row["id"]
    return next_id


async def _record(
    conn: Conn,
    conversion_id: int,
    quote: Quote,
    caller: str,
    now: datetime,
    *,
    entry_id: int | None = None,
    hold: tuple[int, datetime] | None = None,
) -> None:
    hold_id, deadline = (None, None) if hold is None else hold
    await conn.execute(
        "INSERT INTO conversions (id, quote_id, member_id, partner_id, currency_id, rule_set_id,"
        " direction, points, amount, rate, program_account, status, hold_id, entry_id,"
        " requested_by, requested_at, confirm_by, finalized_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
        (
            conversion_id,
            quote.id,
            quote.member_id,
            quote.currency.partner_id,
            quote.currency.id,
            quote.rule_set_id,
            quote.direction.value,
            quote.points,
            quote.amount,
            quote.rate,
            quote.program_account,
            "PENDING" if hold is not None else "COMPLETED",
            hold_id,
            entry_id,
            caller,
            now,
            deadline,
            None if hold is not None else now,
        ),
    )


async def _emit(conn: Conn, conversion_id: int, event_type: str, now: datetime) -> None:
    await conn.execute("SELECT conversion_emit(%s, %s, %s)", (conversion_id, event_type, now))
