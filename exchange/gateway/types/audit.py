"""The audit trail over GraphQL: ``auditEvents(first, after, filter)`` for admin and finance."""

from __future__ import annotations

import enum
import json
from datetime import datetime

import strawberry

from exchange.kit import audit_trail
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import expect_global_id, from_global_id, to_global_id

from ..auth import require_staff
from ..context import Info
from .common import PageInfo

MAX_PAGE = 100
CURSOR = "AuditCursor"


@strawberry.enum(description="How an audited action ended.")
class AuditOutcome(enum.Enum):
    OK = "OK"
    REFUSED = "REFUSED"
    """Refused with userErrors (their codes in `codes`); nothing was changed."""
    ERROR = "ERROR"
    """Failed with an error (FORBIDDEN, say); nothing was changed."""
    NONE = "NONE"
    """No outcome was recorded: the process stopped while the action ran."""


@strawberry.type(description="One admin or finance action (or a CLI command that changed state).")
class AuditEvent:
    id: strawberry.ID
    occurred_at: datetime = strawberry.field(description="When the action was asked for.")
    source: str = strawberry.field(description="`graphql` or `cli`.")
    principal: str = strawberry.field(
        description="`admin`, `finance`, `partner` (its webhook endpoint changes) or `cli`."
    )
    key_id: strawberry.ID | None = strawberry.field(description="The API key's global id.")
    actor: str | None = strawberry.field(
        description="The API key's prefix, or the CLI's operating system user@host."
    )
    operation: str = strawberry.field(
        description="The mutation (`createApiKey`) or command (`keys create`)."
    )
    input: str = strawberry.field(
        description="The input as JSON, secrets removed and identifiers masked."
    )
    outcome: AuditOutcome
    codes: list[str] = strawberry.field(description="The userErrors' or the error's codes.")
    finished_at: datetime | None
    client_ip: str | None
    user_agent: str | None
    request_id: str | None

    @classmethod
    def of(cls, event: audit_trail.Event) -> AuditEvent:
        return cls(
            id=strawberry.ID(to_global_id("AuditEvent", event.id)),
            occurred_at=event.occurred_at,
            source=event.source,
            principal=event.principal,
            key_id=None
            if event.key_id is None
            else strawberry.ID(to_global_id("ApiKey", event.key_id)),
            actor=event.actor,
            operation=event.operation,
            input=json.dumps(event.input, sort_keys=True),
            outcome=AuditOutcome(event.outcome or "NONE"),
            codes=event.codes,
            finished_at=event.finished_at,
            client_ip=event.client_ip,
            user_agent=event.user_agent,
            request_id=event.request_id,
        )


@strawberry.input(description="Which audit events to list; every field narrows the list.")
class AuditEventFilter:
    operation: str | None = None
    principal: str | None = None
    key_id: strawberry.ID | None = None
    source: str | None = None
    since: datetime | None = strawberry.field(default=None, description="occurredAt >= since")
    until: datetime | None = strawberry.field(default=None, description="occurredAt < until")
    outcomes: list[AuditOutcome] | None = None


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type(description="Audit events, newest first.")
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo


def _after(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, event_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return event_id


def _filter(given: AuditEventFilter | None) -> audit_trail.Filter:
    if given is None:
        return audit_trail.Filter()
    key_id = None
    if given.key_id is not None:
        try:
            key_id = expect_global_id(given.key_id, "ApiKey")
        except NotFound:
            key_id = 0  # matches nothing
    return audit_trail.Filter(
        operation=given.operation,
        principal=given.principal,
        key_id=key_id,
        source=given.source,
        since=given.since,
        until=given.until,
        outcomes=[outcome.value for outcome in given.outcomes or []],
    )


async def audit_events(
    info: Info, first: int = 20, after: str | None = None, filter: AuditEventFilter | None = None
) -> AuditEventConnection:
    require_staff(info.context.principal)
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
    async with transaction(info.context.pool) as conn:
        found = await audit_trail.page(conn, _filter(filter), after=_after(after), limit=first + 1)
    edges = [
        AuditEventEdge(cursor=to_global_id(CURSOR, event.id), node=AuditEvent.of(event))
        for event in found[:first]
    ]
    page = PageInfo(
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return AuditEventConnection(edges=edges, page_info=page)
