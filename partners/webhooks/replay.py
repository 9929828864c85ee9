"""Sending again: one event (to its endpoints, or to one endpoint), an endpoint's dead
letters, or a test event. A replayed delivery is due at once and keeps its ``webhook-id``;
its retry schedule starts over, and its attempt history stays."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import events
from partners.webhooks import endpoints
from partners.webhooks.errors import EndpointDisabled, EventNotFound
from partners.webhooks.events import TEST_EVENT


def _reset(table: str) -> str:
    """Due now, the retry schedule counted again from the next attempt."""
    return (
        f"status = 'PENDING', retry_base = {table}.attempts, next_attempt_at = %(now)s,"
        " locked_until = NULL, updated_at = %(now)s"
    )


async def _active(conn: Conn, endpoint_id: int, scope: int | None) -> endpoints.Endpoint:
    endpoint = await endpoints.get(conn, endpoint_id, scope=scope, lock="FOR SHARE")
    if endpoint.status != "ACTIVE":
        raise EndpointDisabled(
            "the endpoint is disabled; enable it first (updateWebhookEndpoint)",
            field=["endpointId"],
        )
    return endpoint


async def _to_endpoint(conn: Conn, outbox_id: int, endpoint_id: int, now: datetime) -> int:
    """The event to one endpoint of its partner: a new delivery, or the existing one reset."""
    cur = await conn.execute(
        "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,"
        " next_attempt_at, created_at, updated_at)"
        " SELECT %(outbox)s, %(endpoint)s, e.partner_id, 'PENDING', %(now)s, %(now)s, %(now)s"
        " FROM webhook_endpoints e WHERE e.id = %(endpoint)s"
        " ON CONFLICT (outbox_id, endpoint_id) DO UPDATE SET "
        + _reset("webhook_deliveries")
        + " WHERE webhook_deliveries.status <> 'DELIVERING'",
        {"outbox": outbox_id, "endpoint": endpoint_id, "now": now},
    )
    return cur.rowcount


async def _to_all(conn: Conn, outbox_id: int, scope: int | None, now: datetime) -> int:
    """The event again to every active endpoint it was delivered to (or is being)."""
    cur = await conn.execute(
        "UPDATE webhook_deliveries d SET " + _reset("d") + " FROM webhook_endpoints e"
        " WHERE d.outbox_id = %(outbox)s AND e.id = d.endpoint_id AND e.status = 'ACTIVE'"
        " AND (%(scope)s::bigint IS NULL OR d.partner_id = %(scope)s)"
        " AND d.status <> 'DELIVERING'",
        {"outbox": outbox_id, "scope": scope, "now": now},
    )
    return cur.rowcount


async def replay_event(
    pool: Pool, *, outbox_id: int, scope: int | None, endpoint_id: int | None, now: datetime
) -> int:
    """Deliveries due again now (one in flight is left to finish)."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT partner_id FROM outbox_events WHERE id = %s AND partner_id IS NOT NULL"
            " AND (%s::bigint IS NULL OR partner_id = %s)",
            (outbox_id, scope, scope),
        )
        found = await cur.fetchone()
        if found is None:
            raise EventNotFound("no webhook event with this id", field=["eventId"])
        if endpoint_id is None:
            return await _to_all(conn, outbox_id, scope, now)
        await _active(conn, endpoint_id, found["partner_id"])
        return await _to_endpoint(conn, outbox_id, endpoint_id, now)


async def replay_dead_letters(
    pool: Pool, *, endpoint_id: int, scope: int | None, now: datetime
) -> int:
    """Every DEAD delivery of the endpoint due again now."""
    async with transaction(pool) as conn:
        await _active(conn, endpoint_id, scope)
        cur = await conn.execute(
            "UPDATE webhook_deliveries SET "
            + _reset("webhook_deliveries")
            + " WHERE endpoint_id = %(endpoint)s AND status = 'DEAD'",
            {"endpoint": endpoint_id, "now": now},
        )
        return cur.rowcount


@dataclass(frozen=True)
class DeadLetters:
    """An endpoint with deliveries that gave up (what ``replay_dead_letters`` sends again)."""

    endpoint_id: int
    partner_code: str
    url: str
    status: str
    dead: int
    last_error: str | None


async def dead_letters(conn: Conn) -> list[DeadLetters]:
    """Every endpoint with DEAD deliveries, most first."""
    cur = await conn.execute(
        "SELECT e.id AS endpoint_id, p.code AS partner_code, e.url, e.status,"
        " count(*) AS dead, (array_agg(d.last_error ORDER BY d.updated_at DESC))[1] AS last_error"
        " FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id"
        " JOIN partners p ON p.id = e.partner_id"
        " WHERE d.status = 'DEAD' GROUP BY e.id, p.code ORDER BY dead DESC, e.id"
    )
    return [DeadLetters(**row) for row in await cur.fetchall()]


async def send_test(pool: Pool, *, endpoint_id: int, scope: int | None, now: datetime) -> int:
    """A ``webhook.test`` event for this endpoint only; returns its outbox id."""
    async with transaction(pool) as conn:
        endpoint = await _active(conn, endpoint_id, scope)
        await events.emit(
            conn,
            event_type=TEST_EVENT,
            partner_id=endpoint.partner_id,
            member_id=None,
            member_seq=None,
            entry_id=None,
            created_at=now,
            data={
                "endpointId": to_global_id("WebhookEndpoint", endpoint.id),
                "message": "a test event from sendTestWebhook",
            },
        )
        # the row this transaction just wrote (ledger_emit makes the event id itself)
        cur = await conn.execute(
            "SELECT id FROM outbox_events WHERE xid = pg_current_xact_id()"
            " AND event_type = %s AND partner_id = %s ORDER BY id DESC LIMIT 1",
            (TEST_EVENT, endpoint.partner_id),
        )
        row = await cur.fetchone()
        assert row is not None
        await _to_endpoint(conn, row["id"], endpoint.id, now)
        return int(row["id"])
