"""All SQL the ledger runs. Every function takes the caller's connection (and transaction)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.ledger.functions import refusal
from exchange.ledger.lots import OpenLot, Take


@dataclass(frozen=True)
class LockedMember:
    member_id: int
    account_id: int
    balance: int
    held: int
    debt: int
    seq: int


@dataclass(frozen=True)
class BalanceAfter:
    balance: int
    held: int
    debt: int
    seq: int


async def lock_member(conn: Conn, member_id: int) -> LockedMember | None:
    """Lock the member's balance row, whatever the member's status (the hold sweeper)."""
    cur = await conn.execute(
        "SELECT member_id, account_id, balance, held, debt, seq FROM member_balances"
        " WHERE member_id = %s FOR UPDATE",
        (member_id,),
    )
    row = await cur.fetchone()
    return None if row is None else LockedMember(**row)


async def lock_active_member(conn: Conn, member_id: int, partner_id: int | None) -> LockedMember:
    """Lock the member's balance row through ``ledger_lock_member``, which refuses members
    that do not exist, that the partner (if given) was never shown, or that are closed."""
    try:
        cur = await conn.execute(
            "SELECT member_id, account_id, balance, held, debt, seq"
            " FROM ledger_lock_member(%s, %s)",
            (member_id, partner_id),
        )
    except psycopg.errors.RaiseException as error:
        raise refusal(error) from None
    row = await cur.fetchone()
    assert row is not None
    return LockedMember(**row)


async def open_lots(conn: Conn, member_id: int) -> list[OpenLot]:
    cur = await conn.execute(
        "SELECT id, issuer_partner_id, remaining, available_at, expires_at, entry_id"
        " FROM lots WHERE member_id = %s AND remaining > 0",
        (member_id,),
    )
    return [OpenLot(**row) for row in await cur.fetchall()]


async def insert_entry(conn: Conn, **fields: Any) -> int:
    if isinstance(fields.get("details"), dict):
        fields["details"] = Jsonb(fields["details"])
    columns = ", ".join(fields)
    placeholders = ", ".join(f"%({name})s" for name in fields)
    cur = await conn.execute(
        f"INSERT INTO journal_entries ({columns}) VALUES ({placeholders}) RETURNING id", fields
    )
    row = await cur.fetchone()
    assert row is not None
    entry_id: int = row["id"]
    return entry_id


async def post_pair(
    conn: Conn,
    *,
    entry_id: int,
    member_account_id: int,
    points: int,
    partner_id: int | None,
    counter_kind: str,
) -> None:
    """Two postings that sum to zero: ``points`` to the member, ``-points`` to the counter account.

    The counter account is the partner's (``PARTNER_ISSUED``/``PARTNER_REDEEMED``) or, with no
    partner, the operator's account of that kind. Partner accounts are only ever inserted into:
    no row is updated per transaction, so a busy partner is never a hot row.
    """
    await conn.execute(
        "INSERT INTO postings (entry_id, account_id, points) VALUES"
        " (%(entry)s, %(member_account)s, %(points)s),"
        " (%(entry)s, (SELECT id FROM accounts WHERE kind = %(kind)s"
        "   AND partner_id IS NOT DISTINCT FROM %(partner)s AND member_id IS NULL), -%(points)s)",
        {
            "entry": entry_id,
            "member_account": member_account_id,
            "points": points,
            "kind": counter_kind,
            "partner": partner_id,
        },
    )


async def consume(
    conn: Conn,
    *,
    entry_id: int,
    member_id: int,
    kind: str,
    takes: list[Take],
    redeemer_partner_id: int | None,
) -> None:
    """Take points out of lots and record each consumption (who issued, who redeemed)."""
    if not takes:
        return
    async with conn.cursor() as cur:
        await cur.executemany(
            "UPDATE lots SET remaining = remaining - %s WHERE id = %s",
            [(take.points, take.lot.id) for take in takes],
        )
        await cur.executemany(
            "INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,"
            " redeemer_partner_id, points) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (
                    take.lot.id,
                    entry_id,
                    member_id,
                    kind,
                    take.lot.issuer_partner_id,
                    redeemer_partner_id,
                    take.points,
                )
                for take in takes
            ],
        )


async def burn_consumptions(conn: Conn, burn_entry_id: int) -> list[dict[str, Any]]:
    """What a burn took, per consumption, less what refunds already gave back (latest first)."""
    cur = await conn.execute(
        "SELECT c.id, c.lot_id, c.issuer_partner_id, c.redeemer_partner_id,"
        " c.points + coalesce((SELECT sum(r.points) FROM lot_consumptions r"
        "   WHERE r.refunds_consumption_id = c.id), 0)::bigint AS left_to_refund"
        " FROM lot_consumptions c WHERE c.entry_id = %s AND c.kind = 'BURN' ORDER BY c.id DESC",
        (burn_entry_id,),
    )
    return list(await cur.fetchall())


async def give_back(
    conn: Conn, *, entry_id: int, member_id: int, refunds: list[tuple[dict[str, Any], int]]
) -> None:
    """Put refunded points back into the lots they came from (original issuer and expiry)."""
    async with conn.cursor() as cur:
        await cur.executemany(
            "UPDATE lots SET remaining = remaining + %s WHERE id = %s",
            [(points, consumption["lot_id"]) for consumption, points in refunds],
        )
        await cur.executemany(
            "INSERT INTO lot_consumptions (lot_id, entry_id, member_id, kind, issuer_partner_id,"
            " redeemer_partner_id, points, refunds_consumption_id)"
            " VALUES (%s, %s, %s, 'REFUND', %s, %s, %s, %s)",
            [
                (
                    c["lot_id"],
                    entry_id,
                    member_id,
                    c["issuer_partner_id"],
                    c["redeemer_partner_id"],
                    -points,
                    c["id"],
                )
                for c, points in refunds
            ],
        )


async def change_balance(
    conn: Conn,
    member_id: int,
    *,
    balance: int = 0,
    held: int = 0,
    debt: int = 0,
    at: datetime,
) -> BalanceAfter:
    cur = await conn.execute(
        "UPDATE member_balances SET balance = balance + %s, held = held + %s, debt = debt + %s,"
        " seq = seq + 1, updated_at = %s WHERE member_id = %s"
        " RETURNING balance, held, debt, seq",
        (balance, held, debt, at, member_id),
    )
    row = await cur.fetchone()
    assert row is not None
    return BalanceAfter(**row)


async def give_back_prepaid(conn: Conn, partner_id: int, points: int) -> None:
    """A reversed prepaid earn's points go back to the partner's allowance (its row is
    locked after the member's, as the earn locked it)."""
    await conn.execute(
        "UPDATE prepaid_allowances SET points_drawn = points_drawn - %s WHERE partner_id = %s",
        (points, partner_id),
    )


async def entry_for_partner(
    conn: Conn, entry_id: int, partner_id: int | None, kind: str
) -> dict[str, Any] | None:
    cur = await conn.execute(
        "SELECT * FROM journal_entries WHERE id = %s AND kind = %s"
        " AND (%s::bigint IS NULL OR partner_id = %s)",
        (entry_id, kind, partner_id, partner_id),
    )
    return await cur.fetchone()


async def already_undone(conn: Conn, original_entry_id: int, kind: str) -> tuple[int, Decimal]:
    """Points (and money) already reversed or refunded against an original entry."""
    cur = await conn.execute(
        "SELECT coalesce(sum(points), 0) AS points, coalesce(sum(amount), 0) AS amount"
        " FROM journal_entries WHERE original_entry_id = %s AND kind = %s",
        (original_entry_id, kind),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["points"]), Decimal(row["amount"])


async def undone_details(
    conn: Conn, original_entry_id: int, kind: str
) -> list[dict[str, Any] | None]:
    """The details of the reversals or refunds already made of an original entry, in order."""
    cur = await conn.execute(
        "SELECT details FROM journal_entries WHERE original_entry_id = %s AND kind = %s"
        " ORDER BY id",
        (original_entry_id, kind),
    )
    return [row["details"] for row in await cur.fetchall()]


async def hold_for_partner(
    conn: Conn, hold_id: int, partner_id: int | None
) -> dict[str, Any] | None:
    cur = await conn.execute(
        "SELECT * FROM holds WHERE id = %s AND (%s::bigint IS NULL OR partner_id = %s)",
        (hold_id, partner_id, partner_id),
    )
    return await cur.fetchone()


async def insert_hold(
    conn: Conn,
    *,
    member_id: int,
    partner_id: int,
    points: int,
    order_id: str | None,
    created_at: datetime,
    expires_at: datetime,
    details: dict[str, Any] | None = None,
) -> int:
    cur = await conn.execute(
        "INSERT INTO holds (member_id, partner_id, points, order_id, created_at, expires_at,"
        " details) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (
            member_id,
            partner_id,
            points,
            order_id,
            created_at,
            expires_at,
            None if details is None else Jsonb(details),
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    hold_id: int = row["id"]
    return hold_id


async def members_with_expired_holds(conn: Conn, now: datetime, limit: int) -> list[int]:
    cur = await conn.execute(
        "SELECT DISTINCT member_id FROM holds WHERE status = 'AUTHORIZED' AND expires_at <= %s"
        " LIMIT %s",
        (now, limit),
    )
    return [row["member_id"] for row in await cur.fetchall()]
