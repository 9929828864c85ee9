"""Member-to-member transfers (``transferPoints``): the sender's lots move to the receiver with
their issuer, issue price and expiry, so settlement and breakage stay exact.

A transfer is two journal entries in one database transaction: TRANSFER_OUT on the sender
(its points leave for the operator's transfer clearing account, taken from its lots earliest
expiry first, each consumption of kind TRANSFER recorded) and TRANSFER_IN on the receiver (the
clearing account pays them out, as one new lot per consumed lot, same issuer, issue price and
expiry). Each entry balances; the clearing account nets to zero over the pair (the audit checks
both). Both members are locked in id order, so two transfers between the same members in
opposite directions cannot deadlock, and the sender never sends more than it has available
(spendable lots less held points and debt) nor more than its daily limit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.ids import to_global_id
from exchange.kit.money import check_points
from exchange.ledger import events
from exchange.ledger import repository as repo
from exchange.ledger.burning import release_expired_holds
from exchange.ledger.errors import InsufficientPoints, TransferLimitExceeded
from exchange.ledger.locking import available, lock_active_member, lots_and_totals
from exchange.ledger.lots import OpenLot, Take, spendable_by_expiry, take_in_order
from exchange.ledger.outcome import Outcome, Request

OPERATION = "transferPoints"
CLEARING = "OPERATOR_TRANSFER"


@dataclass(frozen=True)
class Purpose:
    """What a transfer is for, as the members read it. A transfer with a ``name`` (a
    contribution to a pool, say) is no gift to another member: it does not count against the
    daily limit, and its entries' details carry ``purpose``."""

    sent: str = "Points transferred to another member"
    received: str = "Points transferred from another member"
    name: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def kept(self) -> dict[str, Any]:
        return {} if self.name is None else {"purpose": self.name, **self.details}


GIFT = Purpose()


def day_start(now: datetime) -> datetime:
    """The start of ``now``'s UTC day: the daily limit counts from there."""
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


async def _lock_both(
    conn: Conn, sender_id: int, receiver_id: int
) -> tuple[repo.LockedMember, repo.LockedMember]:
    """Both members locked in id order; a missing or closed receiver is named as such."""
    locked: dict[int, repo.LockedMember] = {}
    for member_id in sorted((sender_id, receiver_id)):
        try:
            locked[member_id] = await lock_active_member(conn, member_id, None)
        except ExchangeError as error:
            if member_id == receiver_id:
                error.field = ["toMemberId"]
                error.message = error.message.replace("this member", "the receiving member")
            raise
    return locked[sender_id], locked[receiver_id]


async def sent_today(conn: Conn, member_id: int, now: datetime) -> int:
    """Points the member gave other members since the start of the UTC day (a transfer with
    a purpose is no gift: not counted)."""
    cur = await conn.execute(
        "SELECT coalesce(sum(points), 0)::bigint AS sent FROM journal_entries"
        " WHERE member_id = %s AND kind = 'TRANSFER_OUT' AND posted_at >= %s"
        " AND NOT coalesce(details ? 'purpose', false)",
        (member_id, day_start(now)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["sent"])


async def _check_limit(conn: Conn, member_id: int, points: int, limit: int, now: datetime) -> None:
    left = max(0, limit - await sent_today(conn, member_id, now))
    if points > left:
        raise TransferLimitExceeded(
            f"at most {limit} points may be transferred a day; {left} left today",
            field=["points"],
        )


async def _spendable(
    conn: Conn, sender: repo.LockedMember, points: int, now: datetime
) -> list[OpenLot]:
    """The sender's spendable lots, earliest expiry first, if ``points`` are available."""
    lots, lot_totals = await lots_and_totals(conn, sender.member_id, now)
    if available(sender, lot_totals) < points and sender.held > 0:
        await release_expired_holds(conn, sender.member_id, now)
        sender = await lock_active_member(conn, sender.member_id, None)
    if (have := available(sender, lot_totals)) < points:
        raise InsufficientPoints(f"{points} points requested, {have} available", field=["points"])
    return spendable_by_expiry(lots, now)


async def transfer(
    conn: Conn,
    request: Request,
    *,
    sender_id: int,
    receiver_id: int,
    points: int,
    daily_limit: int | None,
    now: datetime,
    purpose: Purpose = GIFT,
) -> Outcome:
    """Move ``points`` from the sender to the receiver; returns the TRANSFER_OUT entry.
    ``daily_limit`` None: no limit (a transfer with a purpose)."""
    check_points(points)
    if sender_id == receiver_id:
        raise InvalidInput("points cannot be transferred to oneself", field=["toMemberId"])
    if (done := await request.replay(conn)) is not None:
        return done
    sender, receiver = await _lock_both(conn, sender_id, receiver_id)
    if daily_limit is not None:
        await _check_limit(conn, sender_id, points, daily_limit, now)
    takes = take_in_order(await _spendable(conn, sender, points, now), points)
    assert sum(take.points for take in takes) == points
    out_id = await _send(conn, sender, receiver_id, takes, now, purpose)
    in_id = await _receive(conn, receiver, (sender_id, out_id), takes, now, purpose)
    await _emit(conn, sender_id, receiver_id, out_id, in_id, points, now)
    return await request.remember(
        conn, Outcome(member_id=sender_id, points=points, transaction_id=out_id)
    )


async def _send(
    conn: Conn,
    sender: repo.LockedMember,
    receiver_id: int,
    takes: list[Take],
    now: datetime,
    purpose: Purpose,
) -> int:
    points = sum(take.points for take in takes)
    entry_id = await repo.insert_entry(
        conn,
        kind="TRANSFER_OUT",
        member_id=sender.member_id,
        partner_id=None,
        points=points,
        occurred_at=now,
        posted_at=now,
        reason=purpose.sent,
        details={
            "toMemberId": to_global_id("Member", receiver_id),
            "lots": [{"lot": take.lot.id, "points": take.points} for take in takes],
            **purpose.kept(),
        },
    )
    await repo.post_pair(
        conn,
        entry_id=entry_id,
        member_account_id=sender.account_id,
        points=-points,
        partner_id=None,
        counter_kind=CLEARING,
    )
    await repo.consume(
        conn,
        entry_id=entry_id,
        member_id=sender.member_id,
        kind="TRANSFER",
        takes=takes,
        redeemer_partner_id=None,
    )
    await repo.change_balance(conn, sender.member_id, balance=-points, at=now)
    return entry_id


async def _receive(
    conn: Conn,
    receiver: repo.LockedMember,
    sent: tuple[int, int],
    takes: list[Take],
    now: datetime,
    purpose: Purpose,
) -> int:
    """The receiver's entry and lots; like an earn, new points pay a debt first."""
    sender_id, out_id = sent
    points = sum(take.points for take in takes)
    entry_id = await repo.insert_entry(
        conn,
        kind="TRANSFER_IN",
        member_id=receiver.member_id,
        partner_id=None,
        points=points,
        occurred_at=now,
        posted_at=now,
        reason=purpose.received,
        original_entry_id=out_id,
        details={"fromMemberId": to_global_id("Member", sender_id), **purpose.kept()},
    )
    await repo.post_pair(
        conn,
        entry_id=entry_id,
        member_account_id=receiver.account_id,
        points=points,
        partner_id=None,
        counter_kind=CLEARING,
    )
    await _copy_lots(conn, receiver.member_id, entry_id, takes, now)
    repaid = min(receiver.debt, points)
    if repaid > 0:
        lots = await repo.open_lots(conn, receiver.member_id)
        mine = spendable_by_expiry([lot for lot in lots if lot.entry_id == entry_id], now)
        await repo.consume(
            conn,
            entry_id=entry_id,
            member_id=receiver.member_id,
            kind="DEBT",
            takes=take_in_order(mine, repaid),
            redeemer_partner_id=None,
        )
    await repo.change_balance(conn, receiver.member_id, balance=points, debt=-repaid, at=now)
    return entry_id


async def _copy_lots(
    conn: Conn, member_id: int, entry_id: int, takes: list[Take], now: datetime
) -> None:
    """One lot per consumed lot: its issuer, issue price and expiry, available at once."""
    async with conn.cursor() as cur:
        await cur.executemany(
            "INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining,"
            " issue_price, earned_at, available_at, expires_at)"
            " SELECT %s, issuer_partner_id, %s, %s, %s, issue_price, %s, %s, expires_at"
            " FROM lots WHERE id = %s",
            [(member_id, entry_id, t.points, t.points, now, now, t.lot.id) for t in takes],
        )


async def _emit(
    conn: Conn,
    sender_id: int,
    receiver_id: int,
    out_id: int,
    in_id: int,
    points: int,
    now: datetime,
) -> None:
    """One event per member (no partner's: nothing is delivered to partners)."""
    sides: list[tuple[str, int, int, dict[str, Any]]] = [
        ("points.transferred_out", sender_id, out_id, {"toMemberId": receiver_id}),
        ("points.transferred_in", receiver_id, in_id, {"fromMemberId": sender_id}),
    ]
    for event_type, member_id, entry_id, other in sides:
        cur = await conn.execute(
            "SELECT balance, seq FROM member_balances WHERE member_id = %s", (member_id,)
        )
        row = await cur.fetchone()
        assert row is not None
        await events.emit(
            conn,
            event_type=event_type,
            partner_id=None,
            member_id=member_id,
            member_seq=row["seq"],
            entry_id=entry_id,
            created_at=now,
            data={
                "transactionId": to_global_id("Transaction", entry_id),
                "memberId": to_global_id("Member", member_id),
                **{name: to_global_id("Member", value) for name, value in other.items()},
                "points": points,
                "balance": row["balance"],
            },
        )
