"""API keys: random, shown once, stored as a SHA-256 hash, with a readable prefix.

A key looks like ``ptk_3f9a1c2b_<43 random characters>``: the role prefix, an 8-character id
people can quote (also stored), and 32 random bytes. Only the hash of the whole key is kept.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from exchange.kit.db import Conn
from partners.errors import ApiKeyNotFound

Role = Literal["admin", "finance", "partner"]
ROLE_PREFIX: dict[str, str] = {"admin": "adm", "finance": "fin", "partner": "ptk"}


@dataclass(frozen=True)
class IssuedKey:
    id: int
    role: str
    partner_id: int | None
    prefix: str
    secret: str
    """The whole key: returned once, never stored."""


@dataclass(frozen=True)
class KeyOwner:
    key_id: int
    role: str
    partner_id: int | None
    valid_until: datetime | None = None
    """When the key stops working on its own (expiry, or a revocation set for later)."""


@dataclass(frozen=True)
class KeyInfo:
    id: int
    role: str
    partner_id: int | None
    name: str | None
    prefix: str
    last_four: str
    created_at: datetime
    revoked_at: datetime | None
    expires_at: datetime | None


def hash_key(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def create_key(
    conn: Conn,
    *,
    role: Role,
    partner_id: int | None,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> IssuedKey:
    if (role == "partner") != (partner_id is not None):
        raise ValueError("partner keys, and only they, belong to a partner")
    prefix = f"{ROLE_PREFIX[role]}_{secrets.token_hex(4)}"
    secret = f"{prefix}_{secrets.token_urlsafe(32)}"
    cur = await conn.execute(
        "INSERT INTO api_keys (role, partner_id, name, prefix, last_four, key_hash, expires_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (role, partner_id, name, prefix, secret[-4:], hash_key(secret), expires_at),
    )
    row = await cur.fetchone()
    assert row is not None
    return IssuedKey(id=row["id"], role=role, partner_id=partner_id, prefix=prefix, secret=secret)


async def authenticate(conn: Conn, secret: str, *, now: datetime) -> KeyOwner | None:
    """The owner of a live key, or None for an unknown, revoked or expired one."""
    if not secret or len(secret) > 200:
        return None
    cur = await conn.execute(
        "SELECT k.id, k.role, k.partner_id, least(k.revoked_at, k.expires_at) AS valid_until"
        " FROM api_keys k"
        " LEFT JOIN partners p ON p.id = k.partner_id"
        " WHERE k.key_hash = %s AND (k.revoked_at IS NULL OR k.revoked_at > %s)"
        " AND (k.expires_at IS NULL OR k.expires_at > %s)"
        " AND (k.partner_id IS NULL OR p.status = 'ACTIVE')",
        (hash_key(secret), now, now),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return KeyOwner(
        key_id=row["id"],
        role=row["role"],
        partner_id=row["partner_id"],
        valid_until=row["valid_until"],
    )


async def revoke_key(
    conn: Conn,
    *,
    key_id: int | None = None,
    prefix: str | None = None,
    partner_id: int | None = None,
    at: datetime,
) -> KeyInfo:
    """Revoke now, or at ``at`` in the future (an overlap window for rotation)."""
    cur = await conn.execute(
        "UPDATE api_keys SET revoked_at = least(coalesce(revoked_at, %s), %s)"
        " WHERE (id = %s OR prefix = %s) AND (%s::bigint IS NULL OR partner_id = %s)"
        " RETURNING *",
        (at, at, key_id, prefix, partner_id, partner_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise ApiKeyNotFound("no API key with this id or prefix")
    await notify_key_change(conn)
    return _info(row)


KEY_CHANGES = "exchange_api_keys"
"""The channel on which every process hears that a key changed (delivered at commit)."""


async def notify_key_change(conn: Conn) -> None:
    await conn.execute("SELECT pg_notify(%s, '')", (KEY_CHANGES,))


async def list_keys(conn: Conn, *, partner_id: int | None = None) -> list[KeyInfo]:
    cur = await conn.execute(
        "SELECT * FROM api_keys WHERE %s::bigint IS NULL OR partner_id = %s ORDER BY id",
        (partner_id, partner_id),
    )
    return [_info(row) for row in await cur.fetchall()]


def _info(row: dict[str, object]) -> KeyInfo:
    return KeyInfo(**{field: row[field] for field in KeyInfo.__dataclass_fields__})  # type: ignore[arg-type]
