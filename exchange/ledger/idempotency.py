"""Idempotency keys: the unique (caller, key) row is claimed first, in the same transaction.

A concurrent request with the same key waits on that row; once the first commits, it reads the
stored result. A business refusal rolls the whole transaction back, key included, so the same
key may be retried after the member's situation changes.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.kit.errors import IdempotencyConflict, InvalidInput

MAX_KEY_LENGTH = 255


def _default(value: object) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot hash {type(value).__name__}")


def request_hash(operation: str, request: dict[str, Any]) -> str:
    canonical = json.dumps([operation, request], sort_keys=True, default=_default)
    return hashlib.sha256(canonical.encode()).hexdigest()


def check_key(key: str) -> str:
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(
            f"idempotencyKey must be 1 to {MAX_KEY_LENGTH} printable characters",
            field=["idempotencyKey"],
        )
    return key


async def claim(
    conn: Conn, *, caller: str, key: str, operation: str, request: dict[str, Any]
) -> dict[str, Any] | None:
    """Claim the key for this request. Returns the stored result if it was already done."""
    digest = request_hash(operation, request)
    cur = await conn.execute(
        "INSERT INTO idempotency_records (caller, key, operation, request_hash, response)"
        " VALUES (%s, %s, %s, %s, '{}'::jsonb) ON CONFLICT DO NOTHING RETURNING 1",
        (caller, check_key(key), operation, digest),
    )
    if await cur.fetchone() is not None:
        return None
    cur = await conn.execute(
        "SELECT operation, request_hash, response FROM idempotency_records"
        " WHERE caller = %s AND key = %s",
        (caller, key),
    )
    row = await cur.fetchone()
    assert row is not None, "a conflicting idempotency row is committed before we can see it"
    if row["operation"] != operation or row["request_hash"] != digest:
        raise IdempotencyConflict(
            "this idempotencyKey was already used with a different input",
            field=["idempotencyKey"],
        )
    response: dict[str, Any] = row["response"]
    return response


async def store(conn: Conn, *, caller: str, key: str, response: dict[str, Any]) -> None:
    await conn.execute(
        "UPDATE idempotency_records SET response = %s WHERE caller = %s AND key = %s",
        (Jsonb(response), caller, key),
    )


async def recall(
    conn: Conn, *, caller: str, key: str, operation: str, request: dict[str, Any]
) -> dict[str, Any] | None:
    """The stored result of this request if it was done, claiming nothing (conflicts as
    ``claim`` does). For operations that span many transactions and are idempotent by
    construction, such as an expiry run: they run first and ``remember_first`` after."""
    cur = await conn.execute(
        "SELECT operation, request_hash, response FROM idempotency_records"
        " WHERE caller = %s AND key = %s",
        (caller, check_key(key)),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    if row["operation"] != operation or row["request_hash"] != request_hash(operation, request):
        raise IdempotencyConflict(
            "this idempotencyKey was already used with a different input",
            field=["idempotencyKey"],
        )
    response: dict[str, Any] = row["response"]
    return response


async def remember_first(
    conn: Conn,
    *,
    caller: str,
    key: str,
    operation: str,
    request: dict[str, Any],
    response: dict[str, Any],
) -> dict[str, Any]:
    """Store the result, unless a concurrent duplicate stored its own first; returns the
    stored one, so every duplicate answers alike."""
    await conn.execute(
        "INSERT INTO idempotency_records (caller, key, operation, request_hash, response)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING",
        (caller, check_key(key), operation, request_hash(operation, request), Jsonb(response)),
    )
    stored = await recall(conn, caller=caller, key=key, operation=operation, request=request)
    assert stored is not None
    return stored
