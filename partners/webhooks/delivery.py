"""Deliveries in the database: claim due ones, record what each attempt did, recover the
ones a stopped worker left behind. Batched: one statement per batch, never per delivery.

A claim moves due PENDING deliveries to DELIVERING with a lease (``locked_until``) and counts
the attempt, under ``FOR UPDATE SKIP LOCKED`` so concurrent workers claim disjoint rows. An
outcome is applied only while that lease is still the delivery's (status DELIVERING, same
attempt number): a worker that outlived its lease records its attempt but changes nothing.
A lease that runs out (the worker was killed mid-delivery) puts the delivery back to PENDING,
with an attempt saying so; it is delivered again with the same ``webhook-id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn, Pool, transaction
from partners.webhooks.schedule import MAX_ATTEMPTS

LOST = "lease expired: the worker stopped before recording the outcome"

CLAIM = """
WITH due AS (
    SELECT id FROM webhook_deliveries
     WHERE status = 'PENDING' AND next_attempt_at <= %(now)s
     ORDER BY next_attempt_at
     LIMIT %(limit)s
     FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE webhook_deliveries d
       SET status = 'DELIVERING', attempts = d.attempts + 1, locked_until = %(until)s,
           updated_at = %(now)s
      FROM due WHERE d.id = due.id
    RETURNING d.id, d.attempts, d.retry_base, d.outbox_id, d.endpoint_id
)
SELECT c.id, c.attempts, c.attempts - c.retry_base AS try, o.event_id,
       o.payload::text AS body, e.id AS endpoint_id, e.url, e.signing,
       e.status AS endpoint_status, e.secret,
       CASE WHEN e.previous_secret_expires_at > %(now)s THEN e.previous_secret END
           AS previous_secret
  FROM claimed c
  JOIN outbox_events o ON o.id = c.outbox_id
  JOIN webhook_endpoints e ON e.id = c.endpoint_id
"""

RECORD = """
WITH outcome AS (
    SELECT * FROM unnest(%s::bigint[], %s::int[], %s::text[], %s::timestamptz[], %s::int[],
                         %s::text[], %s::int[], %s::text[], %s::timestamptz[])
        AS t(delivery_id, attempt, status, attempted_at, http_status, error, latency_ms,
             snippet, next_attempt_at)
), recorded AS (
    INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, http_status, error,
                                  latency_ms, response_snippet)
    SELECT delivery_id, attempt, attempted_at, http_status, error, latency_ms, snippet
      FROM outcome ORDER BY delivery_id
)
UPDATE webhook_deliveries d
   SET status = o.status, next_attempt_at = coalesce(o.next_attempt_at, d.next_attempt_at),
       locked_until = NULL, last_attempt_at = o.attempted_at, last_http_status = o.http_status,
       last_error = o.error, updated_at = o.attempted_at
  FROM outcome o
 WHERE d.id = o.delivery_id AND d.status = 'DELIVERING' AND d.attempts = o.attempt
"""

RECLAIM = """
WITH lost AS (
    SELECT id FROM webhook_deliveries
     WHERE status = 'DELIVERING' AND locked_until < %(now)s
     ORDER BY locked_until LIMIT %(limit)s
     FOR UPDATE SKIP LOCKED
), recorded AS (
    INSERT INTO webhook_attempts (delivery_id, attempt, attempted_at, error, latency_ms)
    SELECT d.id, d.attempts, d.updated_at, %(lost)s, 0
      FROM webhook_deliveries d JOIN lost ON lost.id = d.id
)
UPDATE webhook_deliveries d
   SET status = CASE WHEN d.attempts - d.retry_base >= %(max)s THEN 'DEAD' ELSE 'PENDING' END,
       next_attempt_at = %(now)s, locked_until = NULL, last_attempt_at = d.updated_at,
       last_http_status = NULL, last_error = %(lost)s, updated_at = %(now)s
  FROM lost WHERE d.id = lost.id
"""


@dataclass(frozen=True)
class Job:
    """A claimed delivery: what to send where, and how to sign it."""

    delivery_id: int
    attempt: int
    """The delivery's attempt number (it only grows): the claim's lease token."""
    try_number: int
    """Which try of the retry schedule this is (counted again from 1 after a replay)."""
    event_id: str
    body: str
    endpoint_id: int
    url: str
    signing: str
    endpoint_active: bool
    secrets: tuple[str, ...]
    """The sealed HMAC secrets that sign now (current first)."""


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    attempt: int
    status: str
    """PENDING (retry at ``next_attempt_at``), SUCCEEDED or DEAD."""
    attempted_at: datetime
    http_status: int | None
    error: str | None
    latency_ms: int
    snippet: str | None
    next_attempt_at: datetime | None
    endpoint_gone: int | None = None
    """The endpoint to disable (it answered 410 Gone)."""


async def claim(pool: Pool, *, now: datetime, limit: int, lease: timedelta) -> list[Job]:
    async with transaction(pool) as conn:
        cur = await conn.execute(CLAIM, {"now": now, "limit": limit, "until": now + lease})
        rows = await cur.fetchall()
    return [
        Job(
            delivery_id=row["id"],
            attempt=row["attempts"],
            try_number=row["try"],
            event_id=row["event_id"],
            body=row["body"],
            endpoint_id=row["endpoint_id"],
            url=row["url"],
            signing=row["signing"],
            endpoint_active=row["endpoint_status"] == "ACTIVE",
            secrets=tuple(s for s in (row["secret"], row["previous_secret"]) if s is not None),
        )
        for row in rows
    ]


async def record(pool: Pool, outcomes: list[Outcome]) -> int:
    """Every attempt recorded, and each delivery moved on if its lease is still this one;
    endpoints that answered 410 disabled, their pending deliveries dead. One transaction."""
    if not outcomes:
        return 0
    columns = (
        [o.delivery_id for o in outcomes],
        [o.attempt for o in outcomes],
        [o.status for o in outcomes],
        [o.attempted_at for o in outcomes],
        [o.http_status for o in outcomes],
        [o.error for o in outcomes],
        [o.latency_ms for o in outcomes],
        [o.snippet for o in outcomes],
        [o.next_attempt_at for o in outcomes],
    )
    gone = sorted({o.endpoint_gone for o in outcomes if o.endpoint_gone is not None})
    async with transaction(pool) as conn:
        cur = await conn.execute(RECORD, columns)
        applied = cur.rowcount
        if gone:
            await _disable_gone(conn, gone, max(o.attempted_at for o in outcomes))
    return applied


async def _disable_gone(conn: Conn, endpoint_ids: list[int], now: datetime) -> None:
    reason = "the receiver answered 410 Gone"
    await conn.execute(
        "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = %s, updated_at = %s"
        " WHERE id = ANY(%s) AND status = 'ACTIVE'",
        (reason, now, endpoint_ids),
    )
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'DEAD', last_error = %s, updated_at = %s"
        " WHERE endpoint_id = ANY(%s) AND status = 'PENDING'",
        (f"endpoint disabled: {reason}", now, endpoint_ids),
    )


async def reclaim(pool: Pool, *, now: datetime, limit: int = 1000) -> int:
    """Deliveries whose lease ran out go back to PENDING (DEAD after the last attempt)."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            RECLAIM, {"now": now, "limit": limit, "lost": LOST, "max": MAX_ATTEMPTS}
        )
        return cur.rowcount
