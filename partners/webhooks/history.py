"""What was sent: webhook events (outbox events with at least one delivery), their
deliveries and every attempt, as the caller may see them (``scope``: a partner's id, or None
for staff)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn

MAX_PAGE = 100


@dataclass(frozen=True)
class Event:
    id: int
    """The outbox row's id (behind the GraphQL id)."""
    event_id: str
    """``evt_...``: the ``webhook-id`` header and the payload's ``id``."""
    event_type: str
    partner_id: int
    member_seq: int | None
    created_at: datetime
    payload: str
    """The JSON body exactly as it is sent."""


@dataclass(frozen=True)
class Delivery:
    id: int
    outbox_id: int
    endpoint_id: int
    status: str
    attempts: int
    next_attempt_at: datetime | None
    """When the next attempt is due (PENDING only)."""
    last_attempt_at: datetime | None
    last_http_status: int | None
    last_error: str | None
    last_latency_ms: int | None


@dataclass(frozen=True)
class Attempt:
    delivery_id: int
    attempt: int
    attempted_at: datetime
    http_status: int | None
    error: str | None
    latency_ms: int
    response_snippet: str | None


def _fields(kind: type[Any], row: dict[str, Any]) -> Any:
    return kind(**{name: row[name] for name in kind.__dataclass_fields__})


EVENTS_PAGE = """
SELECT o.id, o.event_id, o.event_type, o.partner_id, o.member_seq, o.created_at,
       o.payload::text AS payload
  FROM outbox_events o
 WHERE o.id IN (
    SELECT DISTINCT d.outbox_id FROM webhook_deliveries d
     WHERE (%(scope)s::bigint IS NULL OR d.partner_id = %(scope)s)
       AND (%(endpoint)s::bigint IS NULL OR d.endpoint_id = %(endpoint)s)
       AND (%(status)s::text IS NULL OR d.status = %(status)s)
       AND (%(before)s::bigint IS NULL OR d.outbox_id < %(before)s)
     ORDER BY d.outbox_id DESC LIMIT %(limit)s)
 ORDER BY o.id DESC
"""


async def events_page(
    conn: Conn,
    *,
    scope: int | None,
    endpoint_id: int | None,
    status: str | None,
    before: int | None,
    first: int,
) -> tuple[list[Event], bool]:
    """Newest first; ``before``: the id of the last event of the previous page."""
    cur = await conn.execute(
        EVENTS_PAGE,
        {
            "scope": scope,
            "endpoint": endpoint_id,
            "status": status,
            "before": before,
            "limit": first + 1,
        },
    )
    rows = await cur.fetchall()
    return [_fields(Event, row) for row in rows[:first]], len(rows) > first


async def event(conn: Conn, outbox_id: int, *, scope: int | None) -> Event | None:
    cur = await conn.execute(
        "SELECT id, event_id, event_type, partner_id, member_seq, created_at,"
        " payload::text AS payload FROM outbox_events"
        " WHERE id = %s AND partner_id IS NOT NULL AND (%s::bigint IS NULL OR partner_id = %s)",
        (outbox_id, scope, scope),
    )
    row = await cur.fetchone()
    return None if row is None else _fields(Event, row)


DELIVERIES = """
SELECT d.id, d.outbox_id, d.endpoint_id, d.status, d.attempts,
       CASE WHEN d.status = 'PENDING' THEN d.next_attempt_at END AS next_attempt_at,
       d.last_attempt_at, d.last_http_status, d.last_error, a.latency_ms AS last_latency_ms
  FROM webhook_deliveries d
  LEFT JOIN LATERAL (
      SELECT latency_ms FROM webhook_attempts
       WHERE delivery_id = d.id ORDER BY attempt DESC, id DESC LIMIT 1) a ON true
 WHERE d.outbox_id = ANY(%s) AND (%s::bigint IS NULL OR d.partner_id = %s)
 ORDER BY d.outbox_id, d.endpoint_id
"""


async def deliveries(
    conn: Conn, outbox_ids: list[int], *, scope: int | None
) -> dict[int, list[Delivery]]:
    cur = await conn.execute(DELIVERIES, (outbox_ids, scope, scope))
    found: dict[int, list[Delivery]] = {outbox_id: [] for outbox_id in outbox_ids}
    for row in await cur.fetchall():
        found[row["outbox_id"]].append(_fields(Delivery, row))
    return found


async def attempts(conn: Conn, delivery_ids: list[int]) -> dict[int, list[Attempt]]:
    """Every attempt of these deliveries, oldest first (the caller checked visibility)."""
    cur = await conn.execute(
        "SELECT delivery_id, attempt, attempted_at, http_status, error, latency_ms,"
        " response_snippet FROM webhook_attempts WHERE delivery_id = ANY(%s)"
        " ORDER BY delivery_id, attempt, id",
        (delivery_ids,),
    )
    found: dict[int, list[Attempt]] = {delivery_id: [] for delivery_id in delivery_ids}
    for row in await cur.fetchall():
        found[row["delivery_id"]].append(_fields(Attempt, row))
    return found
