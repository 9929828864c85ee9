"""Bonus points (entries of kind BONUS): credited by a partner, which issues and pays for them
as for an earn, or by the operator (issuer none: the operator pays when they are redeemed).
``ledger_credit_bonus`` (migration 0022) writes the entry, its postings, the lot, the debt
repayment, the balance and the event in one statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.ledger.functions import refusal


@dataclass(frozen=True)
class Credited:
    entry_id: int
    balance: int


@dataclass(frozen=True)
class Bonus:
    """What a bonus credits and how the member reads it (``reason``); ``details`` are kept on
    the entry; ``event`` (type and data) is written with it, if given."""

    points: int
    reason: str
    details: dict[str, Any]
    event_type: str | None = None
    event_data: dict[str, Any] | None = None


async def credit(
    conn: Conn,
    bonus: Bonus,
    *,
    member_id: int,
    partner_id: int | None,
    now: datetime,
    validity_days: int | None = None,
) -> Credited:
    """Credit the bonus, issued by ``partner_id`` (None: the operator; its lot lives
    ``validity_days``, None: for ever). Takes the member's lock, refuses a closed member."""
    try:
        cur = await conn.execute(
            "SELECT ledger_credit_bonus(%s, %s, %s, %s, %s, %s, %s, %s, %s) AS credited",
            (
                member_id,
                partner_id,
                bonus.points,
                bonus.reason,
                Jsonb(bonus.details),
                validity_days,
                bonus.event_type,
                None if bonus.event_data is None else Jsonb(bonus.event_data),
                now,
            ),
        )
    except psycopg.errors.RaiseException as error:
        raise refusal(error) from None
    row = await cur.fetchone()
    assert row is not None
    credited = row["credited"]
    return Credited(entry_id=int(credited["entry_id"]), balance=int(credited["balance"]))
