"""Outbox events to deliveries, off the hot path: one per event and subscribed endpoint.

Why not ``id > cursor``: outbox ids come from a sequence when a row is written, but
transactions commit in any order, so an event with a smaller id may become visible after a
larger one was already fanned out, and a cursor on ids would skip it.

The horizon instead: every event carries the id of the transaction that wrote it
(``outbox_events.xid``, a column default). A snapshot's ``xmin`` is the oldest transaction
still running when it was taken, so every transaction id below it has finished (committed
and visible to that snapshot, or rolled back) and no new transaction can get an id below it.
Each round takes the events with ``last_xmin <= xid < xmin`` of its own statement's
snapshot, inserts their deliveries and stores ``xmin`` as the next ``last_xmin``, all in one
statement (one transaction). Nothing is skipped and nothing is fanned out twice; the unique
(event, endpoint) pair makes a repeat harmless anyway. The cost: a long-running transaction
anywhere on the server holds the horizon back, delaying (never losing) deliveries.

The state row is locked with ``FOR UPDATE SKIP LOCKED``: one worker fans out at a time and the
others skip the round. Events without a partner (``partner_id`` NULL) go nowhere; an endpoint
gets the events of transactions from its creation on (``from_xid``).
"""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Pool, connection

FAN_OUT = """
WITH state AS (
    SELECT last_xmin FROM webhook_fanout_state WHERE id = 1 FOR UPDATE SKIP LOCKED
), horizon AS (
    SELECT pg_snapshot_xmin(pg_current_snapshot()) AS next_xmin
), due AS (
    SELECT o.id AS outbox_id, e.id AS endpoint_id, e.partner_id
      FROM state, horizon, outbox_events o
      JOIN webhook_endpoints e
        ON e.partner_id = o.partner_id AND e.status = 'ACTIVE'
       AND o.event_type = ANY (e.event_types) AND o.xid >= e.from_xid
     WHERE o.xid >= state.last_xmin AND o.xid < horizon.next_xmin
), inserted AS (
    INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,
                                    next_attempt_at, created_at, updated_at)
    SELECT outbox_id, endpoint_id, partner_id, 'PENDING', %(now)s, %(now)s, %(now)s
      FROM due ORDER BY outbox_id
    ON CONFLICT (outbox_id, endpoint_id) DO NOTHING
    RETURNING 1
), moved AS (
    UPDATE webhook_fanout_state s SET last_xmin = horizon.next_xmin, updated_at = %(now)s
      FROM state, horizon
     WHERE s.id = 1 AND horizon.next_xmin > state.last_xmin
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted) AS deliveries,
       (SELECT count(*) FROM state) AS locked
"""


async def fan_out(pool: Pool, *, now: datetime) -> int | None:
    """Deliveries created this round; None when another worker holds the fan-out."""
    async with connection(pool) as conn:
        cur = await conn.execute(FAN_OUT, {"now": now})
        row = await cur.fetchone()
    assert row is not None
    return int(row["deliveries"]) if row["locked"] else None
