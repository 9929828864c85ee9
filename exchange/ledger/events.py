"""Outbox events: one row per business event, in the transaction of the change.

The row and its payload are made by ``ledger_emit`` (migration 0002), the same function the
hot-path SQL uses, so every event has one shape.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from exchange.kit.db import Conn


async def emit(
    conn: Conn,
    *,
    event_type: str,
    partner_id: int | None,
    member_id: int | None,
    member_seq: int | None,
    entry_id: int | None,
    created_at: datetime,
    data: dict[str, Any],
) -> None:
    await conn.execute(
        "SELECT ledger_emit(%s, %s, %s, %s, %s, %s, %s)",
        (event_type, partner_id, member_id, member_seq, entry_id, created_at, Jsonb(data)),
    )
