"""The partner answers a conversion out: ``confirmConversion`` (its hold is captured, a BURN
at the partner) or ``declineConversion`` (its hold is voided, the points are the member's
again). Only the conversion's own partner may answer; another partner finds nothing.

Each answer is one transaction under the member's lock, as the hold's expiry is: of a
confirmation and the deadline's expiry racing, exactly one wins. The conversion follows its
hold (migration 0025's trigger moves it on and emits ``conversion.completed``,
``conversion.declined`` or ``conversion.expired``). The same idempotency key and input
answer again what the first call did; the hold is captured at most once whatever the keys
(the capture's own key is the conversion's).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.ledger import burning, idempotency
from exchange.ledger.errors import HoldExpired
from exchange.ledger.outcome import Request
from exchange.ledger.repository import lock_member
from partners.conversions import wording
from partners.conversions.errors import (
    ConversionAlreadyFinal,
    ConversionExpired,
    ConversionNotFound,
)
from partners.conversions.rules import Direction

MAX_TEXT = 200


@dataclass(frozen=True)
class Answer:
    conversion_id: int
    partner_id: int
    caller: str
    idempotency_key: str
    text: str | None
    """confirm: the partner's reference for the credit in its program; decline: why."""


def check_text(value: str | None, field: str) -> str | None:
    if value is None or not value.strip():
        return None
    text = value.strip()
    if len(text) > MAX_TEXT or not text.isprintable():
        raise InvalidInput(f"{field} must be 1 to {MAX_TEXT} printable characters", field=[field])
    return text


@dataclass(frozen=True)
class Pending:
    hold_id: int
    reason: str
    """What the BURN of its confirmation says."""


async def _pending(conn: Conn, answer: Answer, now: datetime) -> Pending:
    """The partner's conversion out, still waiting for it, its member locked."""
    cur = await conn.execute(
        "SELECT member_id FROM conversions WHERE id = %s AND partner_id = %s AND direction = 'OUT'",
        (answer.conversion_id, answer.partner_id),
    )
    found = await cur.fetchone()
    if found is None:
        raise ConversionNotFound("no conversion out with this id", field=["conversionId"])
    await lock_member(conn, found["member_id"])
    cur = await conn.execute(
        "SELECT v.hold_id, v.status, v.confirm_by, round(v.amount, c.decimals) AS amount,"
        " c.code, c.name FROM conversions v JOIN program_currencies c ON c.id = v.currency_id"
        " WHERE v.id = %s",
        (answer.conversion_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    if row["status"] == "EXPIRED" or (row["status"] == "PENDING" and row["confirm_by"] <= now):
        raise ConversionExpired(
            f"the deadline to confirm passed at {row['confirm_by'].isoformat()}: the points"
            " went back to the member",
            field=["conversionId"],
        )
    if row["status"] != "PENDING":
        raise ConversionAlreadyFinal(
            f"the conversion is already {row['status']}", field=["conversionId"]
        )
    written = wording.reason(Direction.OUT, row["amount"], row["code"], row["name"])
    return Pending(hold_id=row["hold_id"], reason=written)


# each answer's operation (its idempotency scope) and the column its text is kept in
_ANSWERS = {
    "confirm": ("confirmConversion", "partner_reference", "reference"),
    "decline": ("declineConversion", "decline_reason", "reason"),
}


async def _answered(conn: Conn, answer: Answer, kind: str, now: datetime) -> Pending | None:
    """The conversion to answer, its text kept, once the key is claimed; None when the same
    key and input were answered already."""
    operation, column, field = _ANSWERS[kind]
    done = await idempotency.claim(
        conn,
        caller=answer.caller,
        key=answer.idempotency_key,
        operation=operation,
        request={"conversionId": answer.conversion_id, field: answer.text},
    )
    if done is not None:
        return None
    pending = await _pending(conn, answer, now)
    await conn.execute(
        f"UPDATE conversions SET {column} = %s WHERE id = %s",
        (answer.text, answer.conversion_id),
    )
    await idempotency.store(
        conn, caller=answer.caller, key=answer.idempotency_key, response={"answered": True}
    )
    return pending


async def confirm(conn: Conn, answer: Answer, *, now: datetime) -> int:
    """The partner credited the member in its program (``text``: its reference): the held
    points are burned at the partner."""
    if (pending := await _answered(conn, answer, "confirm", now)) is None:
        return answer.conversion_id
    capture = Request(f"conversion:{answer.conversion_id}", "confirm", "confirmConversion", {})
    try:
        await burning.capture(
            conn,
            capture,
            hold_id=pending.hold_id,
            partner_id=answer.partner_id,
            points=None,
            now=now,
            reason=pending.reason,
        )
    except HoldExpired as error:  # the deadline passed while this waited for the lock
        raise ConversionExpired(error.message, field=["conversionId"]) from None
    return answer.conversion_id


async def decline(conn: Conn, answer: Answer, *, now: datetime) -> int:
    """The partner could not credit the member (``text``: why): the points are released."""
    if (pending := await _answered(conn, answer, "decline", now)) is not None:
        await burning.release_hold(conn, pending.hold_id, status="VOIDED", now=now)
    return answer.conversion_id


async def expire_if_due(pool: Pool, conversion_id: int, *, now: datetime) -> None:
    """After a refusal with CONVERSION_EXPIRED (rolled back with its request), expire the
    conversion's hold at once rather than at the next sweep."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT member_id FROM conversions WHERE id = %s AND status = 'PENDING'"
            " AND confirm_by <= %s",
            (conversion_id, now),
        )
        row = await cur.fetchone()
        if row is not None and await lock_member(conn, row["member_id"]) is not None:
            await burning.release_expired_holds(conn, row["member_id"], now)
