"""The audit trail: every admin and finance action (and every state-changing CLI command),
who did it, when, what, and from where (migration 0017).

An event is written *before* the action runs, in its own short transaction, so an action
never happens unrecorded; how it ended is a second row, written after (``OK``, ``REFUSED``
with the userError codes, or ``ERROR``). An event without an outcome: the process died
between the two. Both tables are append-only in the database (triggers refuse UPDATE, DELETE
and TRUNCATE). Inputs are stored redacted (exchange.kit.redact): no secret, masked
identifiers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, Literal

from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.kit.redact import redact_value

Outcome = Literal["OK", "REFUSED", "ERROR"]
MAX_TEXT = 512


@dataclass(frozen=True)
class Action:
    """What is about to be done, by whom, from where."""

    source: Literal["graphql", "cli"]
    principal: str
    """``admin``, ``finance``, ``partner`` (its sensitive actions), or ``cli``."""
    operation: str
    input: dict[str, Any]
    key_id: int | None = None
    actor: str | None = None
    """The CLI's operating system user and host; over GraphQL the key's prefix is looked up."""
    client_ip: str | None = None
    user_agent: str | None = None
    request_id: str | None = None


@dataclass(frozen=True)
class Event:
    id: int
    occurred_at: datetime
    source: str
    principal: str
    key_id: int | None
    actor: str | None
    operation: str
    input: dict[str, Any]
    client_ip: str | None
    user_agent: str | None
    request_id: str | None
    outcome: str | None
    codes: list[str]
    finished_at: datetime | None


@dataclass(frozen=True)
class Filter:
    operation: str | None = None
    principal: str | None = None
    key_id: int | None = None
    source: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    outcomes: list[str] = field(default_factory=list)


def _plain(value: object) -> object:
    """JSON for what GraphQL inputs hold: dates as ISO text, decimals as strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    return f"<{type(value).__name__}>"


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:MAX_TEXT]


INSERT_EVENT = """
INSERT INTO audit_events (source, principal, key_id, actor, operation, input, client_ip,
                          user_agent, request_id)
VALUES (%(source)s, %(principal)s, %(key_id)s,
        coalesce(%(actor)s, (SELECT prefix FROM api_keys WHERE id = %(key_id)s)),
        %(operation)s, %(input)s, %(client_ip)s, %(user_agent)s, %(request_id)s)
RETURNING id
"""


async def record(conn: Conn, action: Action) -> int:
    """Write the event of an action about to run; its id, for the outcome."""
    redacted = json.loads(json.dumps(redact_value(action.input), default=_plain))
    cur = await conn.execute(
        INSERT_EVENT,
        {
            "source": action.source,
            "principal": action.principal,
            "key_id": action.key_id,
            "actor": _clip(action.actor),
            "operation": action.operation,
            "input": Jsonb(redacted),
            "client_ip": _clip(action.client_ip),
            "user_agent": _clip(action.user_agent),
            "request_id": _clip(action.request_id),
        },
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


async def finish(conn: Conn, event_id: int, outcome: Outcome, codes: list[str]) -> None:
    await conn.execute(
        "INSERT INTO audit_outcomes (event_id, outcome, codes) VALUES (%s, %s, %s)",
        (event_id, outcome, codes),
    )


SELECT = """
SELECT e.*, o.outcome, coalesce(o.codes, '{}') AS codes, o.finished_at
  FROM audit_events e LEFT JOIN audit_outcomes o ON o.event_id = e.id
 WHERE (%(after)s::bigint IS NULL OR e.id < %(after)s)
   AND (%(operation)s::text IS NULL OR e.operation = %(operation)s)
   AND (%(principal)s::text IS NULL OR e.principal = %(principal)s)
   AND (%(key_id)s::bigint IS NULL OR e.key_id = %(key_id)s)
   AND (%(source)s::text IS NULL OR e.source = %(source)s)
   AND (%(since)s::timestamptz IS NULL OR e.occurred_at >= %(since)s)
   AND (%(until)s::timestamptz IS NULL OR e.occurred_at < %(until)s)
   AND (cardinality(%(outcomes)s::text[]) = 0
        OR coalesce(o.outcome, 'NONE') = ANY (%(outcomes)s::text[]))
 ORDER BY e.id DESC
 LIMIT %(limit)s
"""


async def page(conn: Conn, where: Filter, *, after: int | None, limit: int) -> list[Event]:
    """Events newest first, after the event id ``after`` (a cursor), at most ``limit``."""
    params = {
        "after": after,
        "operation": where.operation,
        "principal": where.principal,
        "key_id": where.key_id,
        "source": where.source,
        "since": where.since,
        "until": where.until,
        "outcomes": where.outcomes,
        "limit": limit,
    }
    cur = await conn.execute(SELECT, params)
    return [Event(**row) for row in await cur.fetchall()]
