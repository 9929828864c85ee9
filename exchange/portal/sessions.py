"""Member sessions, kept in the database so that they can be revoked: a web session (its
token in an HttpOnly cookie) or an app token (``mbr_...``, sent as ``Authorization: Bearer``
by a partner's app). Only a keyed hash of a token is stored."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn
from exchange.ledger import members
from exchange.portal.hashing import keyed_hash

TOKEN_PREFIX = "mbr_"  # noqa: S105 (a prefix, not a secret)
"""App tokens start with it, so the gateway tells them from API keys at a glance."""
KINDS = ("WEB", "TOKEN")


@dataclass(frozen=True)
class Session:
    id: int
    member_id: int
    kind: str
    expires_at: datetime
    token_hash: str


def token_hash(key: bytes, token: str) -> str:
    return keyed_hash(key, "member-session", token)


def new_token(kind: str) -> str:
    body = secrets.token_urlsafe(32)
    return TOKEN_PREFIX + body if kind == "TOKEN" else body


async def open_session(
    conn: Conn, member_id: int, *, kind: str, key: bytes, lifetime: timedelta, now: datetime
) -> tuple[str, Session]:
    """A new session; the token is returned once and never stored."""
    assert kind in KINDS
    token = new_token(kind)
    digest = token_hash(key, token)
    cur = await conn.execute(
        "INSERT INTO member_sessions (member_id, token_hash, kind, created_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s) RETURNING id",
        (member_id, digest, kind, now, now + lifetime),
    )
    row = await cur.fetchone()
    assert row is not None
    return token, Session(row["id"], member_id, kind, now + lifetime, digest)


async def resolve(
    conn: Conn, token: str, *, kind: str, key: bytes, now: datetime
) -> Session | None:
    """The live session of this token (not revoked, not expired), if any."""
    cur = await conn.execute(
        "SELECT id, member_id, kind, expires_at, token_hash FROM member_sessions"
        " WHERE token_hash = %s AND kind = %s AND revoked_at IS NULL AND expires_at > %s",
        (token_hash(key, token), kind, now),
    )
    row = await cur.fetchone()
    return None if row is None else Session(**row)


async def revoke(conn: Conn, session_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE member_sessions SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
        (now, session_id),
    )


async def revoke_all(conn: Conn, member_id: int, now: datetime) -> int:
    """Log the member out everywhere (web sessions and app tokens)."""
    cur = await conn.execute(
        "UPDATE member_sessions SET revoked_at = %s WHERE member_id = %s AND revoked_at IS NULL",
        (now, member_id),
    )
    return cur.rowcount


async def live_sessions(conn: Conn, member_id: int, now: datetime) -> list[Session]:
    """The member's sessions that still work, the newest first."""
    cur = await conn.execute(
        "SELECT id, member_id, kind, expires_at, token_hash FROM member_sessions"
        " WHERE member_id = %s AND revoked_at IS NULL AND expires_at > %s ORDER BY id DESC",
        (member_id, now),
    )
    return [Session(**row) for row in await cur.fetchall()]


async def revoke_member_sessions(conn: Conn, member_id: int, now: datetime) -> int:
    """An administrator ends every session and app token of a member (``MEMBER_NOT_FOUND``
    for no such member); how many it revoked. The member may log in again with a new code."""
    found = await members.find(conn, partner_id=None, member_id=member_id)
    return await revoke_all(conn, found, now)


async def purge(conn: Conn, now: datetime) -> int:
    """Forget sessions a month after they ended."""
    cur = await conn.execute(
        "DELETE FROM member_sessions WHERE coalesce(revoked_at, expires_at) < %s",
        (now - timedelta(days=30),),
    )
    return cur.rowcount
