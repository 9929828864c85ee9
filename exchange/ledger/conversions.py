"""Points converted in from a partner's own program (contract section 10): an earn funded by
that partner, without a purchase.

Like an earn of ``ledger_earn``: an EARN entry at the partner's issue price in force (so
settlement bills it as ISSUED), a lot of the partner's validity, a debt paid first, the
balance, ``points.earned`` (the tier trigger places the member, as after any earn) and, for a
PREPAID partner, the points drawn from its blocks. No money was paid, so the entry has no
amount; its details say what was converted. A conversion out is a hold at the partner
(``burning.place_hold``), captured or released later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import psycopg

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.ledger import events
from exchange.ledger import repository as repo
from exchange.ledger.errors import NoPriceInForce, PartnerSuspended
from exchange.ledger.functions import refusal


async def _issuer(conn: Conn, partner_id: int, now: datetime) -> dict[str, Any]:
    cur = await conn.execute(
        "SELECT p.status, p.billing, p.credit_limit_points, p.point_validity_days,"
        " pr.issue_price FROM partners p"
        " LEFT JOIN LATERAL (SELECT issue_price FROM partner_prices WHERE partner_id = p.id"
        "   AND effective_from <= %s ORDER BY effective_from DESC LIMIT 1) pr ON true"
        " WHERE p.id = %s",
        (now, partner_id),
    )
    row = await cur.fetchone()
    if row is None or row["status"] != "ACTIVE":
        raise PartnerSuspended("this partner is suspended")
    if row["issue_price"] is None:
        raise NoPriceInForce(f"no price was in force at {now.isoformat()}")
    return row


async def credit_converted(
    conn: Conn,
    member: repo.LockedMember,
    *,
    partner_id: int,
    points: int,
    reason: str,
    details: dict[str, Any],
    now: datetime,
) -> int:
    """Credit ``points`` to the locked member as a lot issued by the partner; returns the
    EARN entry's id. ``details``: what was converted (``{"conversion": {...}}``)."""
    issuer = await _issuer(conn, partner_id, now)
    prepaid = issuer["billing"] == "PREPAID"
    entry_id = await repo.insert_entry(
        conn,
        kind="EARN",
        member_id=member.member_id,
        partner_id=partner_id,
        points=points,
        occurred_at=now,
        posted_at=now,
        reason=reason,
        issue_price=issuer["issue_price"],
        details=details,
        prepaid=prepaid,
    )
    await repo.post_pair(
        conn,
        entry_id=entry_id,
        member_account_id=member.account_id,
        points=points,
        partner_id=partner_id,
        counter_kind="PARTNER_ISSUED",
    )
    repaid = min(member.debt, points)
    validity = issuer["point_validity_days"]
    await _lot(conn, member.member_id, partner_id, entry_id, points, repaid, issuer, now, validity)
    after = await repo.change_balance(conn, member.member_id, balance=points, debt=-repaid, at=now)
    await events.emit(
        conn,
        event_type="points.earned",
        partner_id=partner_id,
        member_id=member.member_id,
        member_seq=after.seq,
        entry_id=entry_id,
        created_at=now,
        data={
            "transactionId": to_global_id("Transaction", entry_id),
            "memberId": to_global_id("Member", member.member_id),
            "points": points,
            "orderId": None,
            "amount": None,
            "balance": after.balance,
            "conversionId": details["conversion"]["id"],
        },
    )
    if prepaid:  # last, as ledger_earn: the allowance row is locked until commit
        await _draw_prepaid(conn, partner_id, points, issuer["credit_limit_points"])
    return entry_id


async def _lot(
    conn: Conn,
    member_id: int,
    partner_id: int,
    entry_id: int,
    points: int,
    repaid: int,
    issuer: dict[str, Any],
    now: datetime,
    validity_days: int | None,
) -> None:
    """The new lot, less what repaid the member's debt (recorded as a DEBT consumption)."""
    expires_at = None if validity_days is None else now + timedelta(days=validity_days)
    cur = await conn.execute(
        "INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining,"
        " issue_price, earned_at, available_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            member_id,
            partner_id,
            entry_id,
            points,
            points - repaid,
            issuer["issue_price"],
            now,
            now,
            expires_at,
        ),
    )
    lot = await cur.fetchone()
    assert lot is not None
    if repaid > 0:
        await conn.execute(
            "INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind,"
            " issuer_partner_id, points) VALUES (%s, %s, %s, 'DEBT', %s, %s)",
            (lot["id"], entry_id, member_id, partner_id, repaid),
        )


async def _draw_prepaid(conn: Conn, partner_id: int, points: int, credit_limit: int) -> None:
    try:
        await conn.execute(
            "SELECT ledger_draw_prepaid(%s, %s, %s)", (partner_id, points, credit_limit)
        )
    except psycopg.errors.RaiseException as error:
        raise refusal(error) from None
