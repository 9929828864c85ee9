"""Spending points: holds (authorize, capture, void, expiry), one-step burns, refunds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import events, functions
from exchange.ledger import repository as repo
from exchange.ledger.errors import (
    AmountExceedsOriginal,
    HoldAlreadyFinal,
    HoldExpired,
    HoldNotFound,
    InsufficientPoints,
    TransactionNotFound,
)
from exchange.ledger.locking import available, lock_active_member, lots_and_totals
from exchange.ledger.lots import OpenLot
from exchange.ledger.outcome import Outcome, Request


@dataclass(frozen=True)
class RedeemerTerms:
    """What the redeeming partner is paid per point, at the burn's business time."""

    partner_id: int
    redemption_value: Decimal
    currency: str


async def _ensure_available(
    conn: Conn, member: repo.LockedMember, points: int, now: datetime
) -> tuple[repo.LockedMember, list[OpenLot]]:
    """Refuse unless ``points`` are available; releases the member's expired holds first."""
    lots, lot_totals = await lots_and_totals(conn, member.member_id, now)
    if available(member, lot_totals) < points and member.held > 0:
        await release_expired_holds(conn, member.member_id, now)
        member = await lock_active_member(conn, member.member_id, None)
    if (have := available(member, lot_totals)) < points:
        raise InsufficientPoints(f"{points} points requested, {have} available", field=["points"])
    return member, lots


async def authorize(
    conn: Conn,
    request: Request,
    *,
    member_id: int,
    partner_id: int,
    points: int,
    order_id: str | None,
    ttl: timedelta,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Outcome:
    """Reserve points for a later capture: a promise the ledger keeps (contract rule 5).
    ``details``: the burn limits it met, which its capture keeps."""
    if (done := await request.replay(conn)) is not None:
        return done
    member = await lock_active_member(conn, member_id, partner_id)
    hold_id = await place_hold(
        conn,
        member,
        partner_id=partner_id,
        points=points,
        order_id=order_id,
        expires_at=now + ttl,
        now=now,
        details=details,
    )
    return await request.remember(
        conn, Outcome(member_id=member_id, points=points, hold_id=hold_id)
    )


async def place_hold(
    conn: Conn,
    member: repo.LockedMember,
    *,
    partner_id: int,
    points: int,
    order_id: str | None,
    expires_at: datetime,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> int:
    """Reserve ``points`` of the locked member at the partner until ``expires_at``, if they
    are available (``burn.authorized``); returns the hold's id."""
    member_id = member.member_id
    await _ensure_available(conn, member, points, now)
    hold_id = await repo.insert_hold(
        conn,
        member_id=member_id,
        partner_id=partner_id,
        points=points,
        order_id=order_id,
        created_at=now,
        expires_at=expires_at,
        details=details,
    )
    after = await repo.change_balance(conn, member_id, held=points, at=now)
    await events.emit(
        conn,
        event_type="burn.authorized",
        partner_id=partner_id,
        member_id=member_id,
        member_seq=after.seq,
        entry_id=None,
        created_at=now,
        data={
            "holdId": to_global_id("Hold", hold_id),
            "memberId": to_global_id("Member", member_id),
            "points": points,
            "orderId": order_id,
            "expiresAt": expires_at.isoformat(),
        },
    )
    return hold_id


async def burn(
    conn: Conn,
    request: Request,
    *,
    member_id: int,
    partner_id: int,
    points: int,
    order_id: str | None,
    now: datetime,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Outcome:
    """Authorize and capture in one step, earliest-expiring lots first (``ledger_burn``).
    ``details``: the burn limits it met; ``reason``: what the member reads (default "Points
    spent")."""
    return await _ledger_burn(
        conn,
        request,
        partner_id=partner_id,
        member_id=member_id,
        hold_id=None,
        points=points,
        order_id=order_id,
        now=now,
        details=details,
        reason=reason,
    )


async def _ledger_burn(
    conn: Conn,
    request: Request,
    *,
    partner_id: int,
    member_id: int | None,
    hold_id: int | None,
    points: int | None,
    order_id: str | None,
    now: datetime,
    details: dict[str, Any] | None = None,
    reason: str | None = None,
) -> Outcome:
    return await functions.call(
        conn,
        "ledger_burn",
        p_caller=request.caller,
        p_key=request.idempotency_key,
        p_operation=request.operation,
        p_hash=request.fingerprint(),
        p_partner_id=partner_id,
        p_member_id=member_id,
        p_hold_id=hold_id,
        p_points=points,
        p_order_id=order_id,
        p_now=now,
        p_details=details,
        p_reason=reason,
    )


async def _open_hold(
    conn: Conn, hold_id: int, partner_id: int | None, now: datetime
) -> tuple[dict[str, Any], repo.LockedMember]:
    """The hold, still AUTHORIZED and not expired, with its member locked."""
    hold = await repo.hold_for_partner(conn, hold_id, partner_id)
    if hold is None:
        raise HoldNotFound("no hold with this id", field=["holdId"])
    member = await lock_active_member(conn, hold["member_id"], None)
    hold = await repo.hold_for_partner(conn, hold_id, partner_id)
    assert hold is not None
    if hold["status"] == "EXPIRED" or (
        hold["status"] == "AUTHORIZED" and hold["expires_at"] <= now
    ):
        raise HoldExpired(f"the hold expired at {hold['expires_at'].isoformat()}", field=["holdId"])
    if hold["status"] != "AUTHORIZED":
        raise HoldAlreadyFinal(f"the hold is already {hold['status']}", field=["holdId"])
    return hold, member


async def capture(
    conn: Conn,
    request: Request,
    *,
    hold_id: int,
    partner_id: int,
    points: int | None,
    now: datetime,
    reason: str | None = None,
) -> Outcome:
    """Burn up to the held points (all when ``points`` is None); the rest is released. The
    burn keeps the limits its hold was authorized under, and meets their minimum points.
    ``reason``: what the member reads (default "Points spent")."""
    return await _ledger_burn(
        conn,
        request,
        partner_id=partner_id,
        member_id=None,
        hold_id=hold_id,
        points=points,
        order_id=None,
        now=now,
        reason=reason,
    )


async def void(
    conn: Conn, request: Request, *, hold_id: int, partner_id: int, now: datetime
) -> Outcome:
    """Release a hold without spending anything."""
    if (done := await request.replay(conn)) is not None:
        return done
    hold, member = await _open_hold(conn, hold_id, partner_id, now)
    await _release(conn, hold, status="VOIDED", now=now)
    return await request.remember(
        conn, Outcome(member_id=member.member_id, points=0, hold_id=hold_id)
    )


async def _release(conn: Conn, hold: dict[str, Any], *, status: str, now: datetime) -> None:
    await release_hold(conn, hold["id"], status=status, now=now)


async def release_hold(conn: Conn, hold_id: int, *, status: str, now: datetime) -> None:
    """Close an AUTHORIZED hold without a capture (``VOIDED`` or ``EXPIRED``) and free its
    points; a hold already final is left alone. The caller holds the member's lock."""
    await conn.execute("SELECT ledger_release_hold(%s, %s, %s)", (hold_id, status, now))


async def release_expired_holds(conn: Conn, member_id: int, now: datetime) -> int:
    """Expire the member's holds whose time ran out. The caller holds the member's lock."""
    cur = await conn.execute(
        "SELECT ledger_release_expired_holds(%s, %s) AS released", (member_id, now)
    )
    row = await cur.fetchone()
    assert row is not None
    released: int = row["released"]
    return released


async def refund(
    conn: Conn,
    request: Request,
    *,
    partner_id: int | None,
    transaction_id: int,
    points: int | None,
    now: datetime,
) -> Outcome:
    """Give burned points back into the lots they came from, with their expiry and issuer.
    The refund keeps the burn's limits (its details): it gives back at the same numbers."""
    if (done := await request.replay(conn)) is not None:
        return done
    original = await repo.entry_for_partner(conn, transaction_id, partner_id, "BURN")
    if original is None:
        raise TransactionNotFound("no burn transaction with this id", field=["transactionId"])
    member = await lock_active_member(conn, original["member_id"], None)
    consumptions = await repo.burn_consumptions(conn, transaction_id)
    left = sum(c["left_to_refund"] for c in consumptions)
    refunding = left if points is None else points
    if refunding <= 0 or refunding > left:
        raise AmountExceedsOriginal(
            f"at most {left} points of this burn are left to refund", field=["points"]
        )
    refunds: list[tuple[dict[str, Any], int]] = []
    rest = refunding
    for consumption in consumptions:
        give = min(rest, consumption["left_to_refund"])
        if give > 0:
            refunds.append((consumption, give))
            rest -= give
    entry_id = await repo.insert_entry(
        conn,
        kind="BURN_REFUND",
        member_id=member.member_id,
        partner_id=original["partner_id"],
        points=refunding,
        order_id=original["order_id"],
        occurred_at=now,
        posted_at=now,
        reason="Points refunded",
        original_entry_id=transaction_id,
        currency=original["currency"],
        redemption_value=original["redemption_value"],
        details=original["details"],
    )
    await repo.post_pair(
        conn,
        entry_id=entry_id,
        member_account_id=member.account_id,
        points=refunding,
        partner_id=original["partner_id"],
        counter_kind="PARTNER_REDEEMED",
    )
    await repo.give_back(conn, entry_id=entry_id, member_id=member.member_id, refunds=refunds)
    after = await repo.change_balance(conn, member.member_id, balance=refunding, at=now)
    await events.emit(
        conn,
        event_type="burn.refunded",
        partner_id=original["partner_id"],
        member_id=member.member_id,
        member_seq=after.seq,
        entry_id=entry_id,
        created_at=now,
        data={
            "transactionId": to_global_id("Transaction", entry_id),
            "originalTransactionId": to_global_id("Transaction", transaction_id),
            "memberId": to_global_id("Member", member.member_id),
            "points": refunding,
            "balance": after.balance,
        },
    )
    return await request.remember(
        conn, Outcome(member_id=member.member_id, points=refunding, transaction_id=entry_id)
    )


async def sweep_expired_holds(pool: Pool, *, now: datetime, batch: int = 500) -> int:
    """Expire every hold whose time ran out, one member per short transaction."""
    async with transaction(pool) as conn:
        member_ids = await repo.members_with_expired_holds(conn, now, batch)
    released = 0
    for member_id in member_ids:
        async with transaction(pool) as conn:
            if await repo.lock_member(conn, member_id) is not None:
                released += await release_expired_holds(conn, member_id, now)
    return released


async def release_hold_if_expired(pool: Pool, hold_id: int, *, now: datetime) -> None:
    """After a refusal with HOLD_EXPIRED (rolled back with its request), give the hold's
    points back at once rather than at the next sweep."""
    async with transaction(pool) as conn:
        hold = await repo.hold_for_partner(conn, hold_id, None)
        if hold is not None and await repo.lock_member(conn, hold["member_id"]) is not None:
            await release_expired_holds(conn, hold["member_id"], now)
