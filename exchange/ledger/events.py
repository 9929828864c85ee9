"""Outbox events: one row per business event, in the transaction of the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id


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
) -> str:
    event_id = f"evt_{uuid.uuid4().hex}"
    payload = {
        "type": event_type,
        "id": event_id,
        "createdAt": created_at.isoformat(),
        "partnerId": to_global_id("Partner", partner_id) if partner_id else None,
        "data": {**data, "memberSequence": member_seq},
    }
    await conn.execute(
        "INSERT INTO outbox_events (event_id, event_type, partner_id, member_id, member_seq,"
        " entry_id, payload, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            event_id,
            event_type,
            partner_id,
            member_id,
            member_seq,
            entry_id,
            Jsonb(payload),
            created_at,
        ),
    )
    return event_id
