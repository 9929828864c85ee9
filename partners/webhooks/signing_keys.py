"""The exchange's Ed25519 signing keys: created on first need, rotated with an overlap.

Every live key (``retires_at`` unset or ahead) signs every Ed25519 delivery, so during a
rotation the header carries one ``v1a,`` signature per key and a receiver that knows either
key accepts it. ``GET /.well-known/webhook-keys`` publishes the live public keys with their
key ids; a retiring key's ``notAfter`` says until when it signs. Private keys are sealed.
"""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.secrets_box import SecretBox

PURPOSE = "webhook-signing-key"
LOCK = 0x77686B6579
"""Advisory lock id (b"whkey") taken while keys are created or rotated."""
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=30)


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public_key: str
    """Base64 of the raw 32-byte Ed25519 public key."""
    created_at: datetime
    retires_at: datetime | None


def public_document(keys: list[SigningKey]) -> dict[str, Any]:
    """What ``/.well-known/webhook-keys`` serves."""
    return {
        "keys": [
            {
                "kid": key.kid,
                "alg": "Ed25519",
                "publicKey": key.public_key,
                "notAfter": None if key.retires_at is None else key.retires_at.isoformat(),
            }
            for key in keys
        ]
    }


def _key(row: dict[str, Any]) -> SigningKey:
    return SigningKey(
        kid=row["kid"],
        public_key=row["public_key"],
        created_at=row["created_at"],
        retires_at=row["retires_at"],
    )


async def live_keys(conn: Conn, now: datetime) -> list[SigningKey]:
    """Keys that sign now, newest first."""
    cur = await conn.execute(
        "SELECT kid, public_key, created_at, retires_at FROM webhook_signing_keys"
        " WHERE retires_at IS NULL OR retires_at > %s ORDER BY created_at DESC, id DESC",
        (now,),
    )
    return [_key(row) for row in await cur.fetchall()]


async def _create(conn: Conn, box: SecretBox, now: datetime) -> SigningKey:
    private = Ed25519PrivateKey.generate()
    raw_public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    sealed = box.seal(private.private_bytes_raw(), purpose=PURPOSE)
    cur = await conn.execute(
        "INSERT INTO webhook_signing_keys (kid, private_key, public_key, created_at)"
        " VALUES (%s, %s, %s, %s) RETURNING kid, public_key, created_at, retires_at",
        (f"whk_{secrets.token_hex(6)}", sealed, base64.b64encode(raw_public).decode(), now),
    )
    row = await cur.fetchone()
    assert row is not None
    return _key(row)


async def ensure_key(conn: Conn, box: SecretBox, now: datetime) -> list[SigningKey]:
    """The live keys; the first one is made here when there is none (once, under a lock)."""
    keys = await live_keys(conn, now)
    if keys:
        return keys
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
    return await live_keys(conn, now) or [await _create(conn, box, now)]


async def rotate(
    conn: Conn, box: SecretBox, *, now: datetime, overlap: timedelta = DEFAULT_OVERLAP
) -> tuple[SigningKey, list[SigningKey]]:
    """A new key that signs from now on; the live ones keep signing for ``overlap``."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise ValueError(f"the overlap must be between 0 and {MAX_OVERLAP.days} days")
    await conn.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK,))
    cur = await conn.execute(
        "UPDATE webhook_signing_keys SET retires_at = %s"
        " WHERE retires_at IS NULL OR retires_at > %s"
        " RETURNING kid, public_key, created_at, retires_at",
        (now + overlap, now + overlap),
    )
    retiring = [_key(row) for row in await cur.fetchall()]
    return await _create(conn, box, now), retiring


async def private_keys(
    conn: Conn, box: SecretBox, now: datetime
) -> list[tuple[SigningKey, Ed25519PrivateKey]]:
    await ensure_key(conn, box, now)
    cur = await conn.execute(
        "SELECT kid, public_key, created_at, retires_at, private_key FROM webhook_signing_keys"
        " WHERE retires_at IS NULL OR retires_at > %s ORDER BY created_at DESC, id DESC",
        (now,),
    )
    return [
        (
            _key(row),
            Ed25519PrivateKey.from_private_bytes(box.open(row["private_key"], purpose=PURPOSE)),
        )
        for row in await cur.fetchall()
    ]


@dataclass
class KeyRing:
    """The live private keys, read again every ``ttl_seconds`` (a worker sees a rotation
    within that time; the old key keeps signing through the overlap meanwhile)."""

    box: SecretBox
    ttl_seconds: float = 30.0
    _keys: list[tuple[SigningKey, Ed25519PrivateKey]] = field(default_factory=list)
    _read_at: float = float("-inf")

    def _live(self, now: datetime) -> list[Ed25519PrivateKey]:
        return [key for info, key in self._keys if info.retires_at is None or info.retires_at > now]

    async def signers(self, pool: Pool, now: datetime) -> list[Ed25519PrivateKey]:
        live = self._live(now)
        if not live or time.monotonic() - self._read_at > self.ttl_seconds:
            async with transaction(pool) as conn:
                self._keys = await private_keys(conn, self.box, now)
            self._read_at = time.monotonic()
            live = self._live(now)
        return live

    def forget(self) -> None:
        self._read_at = float("-inf")
