"""One-time codes: six digits, short-lived, single use, a few tries, stored as keyed hashes
and compared in constant time. A code has a scope, what it is for (``LOGIN``, or linking one
card to one account: ``card_link_scope``); a new code replaces the member's earlier ones of
the same scope, and a code works for its own scope only."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime, timedelta

from exchange.kit.db import Conn
from exchange.portal.hashing import keyed_hash, same

DIGITS = 6
LOGIN = "login"
MAX_TRIES = 5
"""Wrong entries of one code before it is spent."""


class Verdict(enum.Enum):
    ACCEPTED = "ACCEPTED"
    WRONG = "WRONG"
    """Wrong, expired, spent, or no code at all."""


def new_code() -> str:
    return f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}"


def card_link_scope(linking_member_id: int, card: str) -> str:
    """The scope of a code that lets one member link one card."""
    return f"card-link:{linking_member_id}:{card}"


def code_hash(key: bytes, member_id: int, code: str, scope: str = LOGIN) -> str:
    purpose = f"login-code:{member_id}" if scope == LOGIN else f"code:{scope}:{member_id}"
    return keyed_hash(key, purpose, code)


async def issue(
    conn: Conn,
    member_id: int,
    *,
    key: bytes,
    lifetime: timedelta,
    now: datetime,
    scope: str = LOGIN,
) -> tuple[str, datetime]:
    """A fresh code sent to the member (its earlier unused ones of the scope stop working),
    and its expiry."""
    code, expires_at = new_code(), now + lifetime
    await conn.execute(
        "UPDATE member_login_codes SET used_at = %s"
        " WHERE member_id = %s AND scope = %s AND used_at IS NULL",
        (now, member_id, scope),
    )
    await conn.execute(
        "INSERT INTO member_login_codes (member_id, scope, code_hash, created_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s)",
        (member_id, scope, code_hash(key, member_id, code, scope), now, expires_at),
    )
    return code, expires_at


async def redeem(
    conn: Conn, member_id: int, code: str, *, key: bytes, now: datetime, scope: str = LOGIN
) -> Verdict:
    """Use the member's current code of the scope if ``code`` is it; a wrong entry counts a
    try."""
    cur = await conn.execute(
        "SELECT id, code_hash, expires_at, attempts FROM member_login_codes"
        " WHERE member_id = %s AND scope = %s AND used_at IS NULL"
        " ORDER BY id DESC LIMIT 1 FOR UPDATE",
        (member_id, scope),
    )
    row = await cur.fetchone()
    offered = code_hash(key, member_id, code.strip(), scope)
    if row is None:
        return Verdict.WRONG
    live = row["expires_at"] > now and row["attempts"] < MAX_TRIES
    if live and same(offered, row["code_hash"]):
        await conn.execute(
            "UPDATE member_login_codes SET used_at = %s WHERE id = %s", (now, row["id"])
        )
        return Verdict.ACCEPTED
    await conn.execute(
        "UPDATE member_login_codes SET attempts = attempts + 1,"
        " used_at = CASE WHEN attempts + 1 >= %s OR expires_at <= %s THEN %s END WHERE id = %s",
        (MAX_TRIES, now, now, row["id"]),
    )
    return Verdict.WRONG


async def purge(conn: Conn, now: datetime) -> int:
    """Forget codes a day after they stopped working."""
    cur = await conn.execute(
        "DELETE FROM member_login_codes WHERE expires_at < %s", (now - timedelta(days=1),)
    )
    return cur.rowcount
