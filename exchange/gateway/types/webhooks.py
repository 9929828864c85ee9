"""Webhook endpoints, events, their deliveries and attempts (contract section 8a)."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import datetime

import strawberry
from strawberry.dataloader import DataLoader

from exchange.kit.db import Pool, connection
from exchange.kit.ids import to_global_id
from partners.webhooks import endpoints, history

from ..context import Info
from .common import Node, PageInfo, described
from .partners import Partner


@strawberry.enum(description="How deliveries to an endpoint are signed (Standard Webhooks).")
class WebhookSigning(enum.Enum):
    ED25519 = "ED25519"
    HMAC_SHA256 = "HMAC_SHA256"


@strawberry.enum(description="ACTIVE endpoints receive events; DISABLED ones none.")
class WebhookEndpointStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    DISABLED = "DISABLED"


@strawberry.enum(
    description="PENDING until due, DELIVERING during an attempt, then SUCCEEDED, or DEAD"
    " after the last attempt (a dead letter: replayable)."
)
class WebhookDeliveryStatus(enum.Enum):
    PENDING = "PENDING"
    DELIVERING = "DELIVERING"
    SUCCEEDED = "SUCCEEDED"
    DEAD = "DEAD"


@strawberry.type(description="An event type a webhook endpoint may subscribe to.")
class WebhookEventType:
    name: str
    description: str


@strawberry.type(description="Where a partner receives its events, which ones, and how signed.")
class WebhookEndpoint(Node):
    url: str
    event_types: list[str]
    signing: WebhookSigning
    status: WebhookEndpointStatus
    disabled_reason: str | None = strawberry.field(
        description="Why it is DISABLED: by its partner, or the receiver answered 410 Gone."
    )
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After rotateWebhookSecret: until when the previous secret signs too."
    )
    created_at: datetime
    updated_at: datetime
    partner_id: strawberry.Private[int]

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        found = await info.context.loaders.partners.load(self.partner_id)
        return None if found is None else Partner.of(found)

    @classmethod
    def of(cls, endpoint: endpoints.Endpoint) -> WebhookEndpoint:
        return cls(
            id=strawberry.ID(to_global_id("WebhookEndpoint", endpoint.id)),
            url=endpoint.url,
            event_types=endpoint.event_types,
            signing=WebhookSigning(endpoint.signing),
            status=WebhookEndpointStatus(endpoint.status),
            disabled_reason=endpoint.disabled_reason,
            previous_secret_expires_at=endpoint.previous_secret_expires_at,
            created_at=endpoint.created_at,
            updated_at=endpoint.updated_at,
            partner_id=endpoint.partner_id,
        )

    @classmethod
    async def load(cls, info: Info, endpoint_id: int) -> WebhookEndpoint | None:
        ctx = info.context
        async with connection(ctx.pool) as conn:
            found = await endpoints.by_ids(conn, [endpoint_id], scope=ctx.principal.scope)
        return None if endpoint_id not in found else cls.of(found[endpoint_id])


@strawberry.type(description="One try at delivering an event to an endpoint.")
class WebhookAttempt:
    attempt: int = strawberry.field(description="1 for the first; it keeps counting on replays.")
    attempted_at: datetime
    http_status: int | None = strawberry.field(description="Null when nothing answered.")
    error: str | None = strawberry.field(
        description="What went wrong without an answer (timeout, refused connection...)."
    )
    latency_ms: int
    response_snippet: str | None = strawberry.field(
        description="The first 1 KiB of the receiver's answer."
    )

    @classmethod
    def of(cls, row: history.Attempt) -> WebhookAttempt:
        return cls(
            attempt=row.attempt,
            attempted_at=row.attempted_at,
            http_status=row.http_status,
            error=row.error,
            latency_ms=row.latency_ms,
            response_snippet=row.response_snippet,
        )


AttemptLoader = DataLoader[int, list[history.Attempt]]


def attempt_loader(pool: Pool) -> AttemptLoader:
    async def load(ids: list[int]) -> Sequence[list[history.Attempt]]:
        async with connection(pool) as conn:
            found = await history.attempts(conn, ids)
        return [found[delivery_id] for delivery_id in ids]

    return DataLoader(load_fn=load)


@strawberry.type(
    description="An event on its way to one endpoint; the `attempted...` fields are those of"
    " the last attempt."
)
class WebhookDelivery:
    id: strawberry.ID
    endpoint: WebhookEndpoint | None
    status: WebhookDeliveryStatus
    attempt_count: int
    next_attempt_at: datetime | None = strawberry.field(description="When PENDING: when due.")
    attempted_at: datetime | None
    http_status: int | None
    latency_ms: int | None
    error: str | None
    delivery_id: strawberry.Private[int]
    loader: strawberry.Private[AttemptLoader]

    @described("Every attempt, oldest first.")
    async def attempts(self) -> list[WebhookAttempt]:
        return [WebhookAttempt.of(row) for row in await self.loader.load(self.delivery_id)]

    @classmethod
    def of(
        cls, row: history.Delivery, endpoint: WebhookEndpoint | None, loader: AttemptLoader
    ) -> WebhookDelivery:
        return cls(
            id=strawberry.ID(to_global_id("WebhookDelivery", row.id)),
            endpoint=endpoint,
            status=WebhookDeliveryStatus(row.status),
            attempt_count=row.attempts,
            next_attempt_at=row.next_attempt_at,
            attempted_at=row.last_attempt_at,
            http_status=row.last_http_status,
            latency_ms=row.last_latency_ms,
            error=row.last_error,
            delivery_id=row.id,
            loader=loader,
        )


@strawberry.type(
    description="An event sent to webhook endpoints: `payload` is the body exactly as sent,"
    " `eventId` its `webhook-id` header."
)
class WebhookEvent(Node):
    event_id: str = strawberry.field(description="`evt_...`: the same on every attempt.")
    type: str
    created_at: datetime
    member_sequence: int | None = strawberry.field(
        description="Orders one member's events (null for events without a member)."
    )
    payload: str = strawberry.field(description="The JSON body: {type, id, createdAt, ...}.")
    deliveries: list[WebhookDelivery] = strawberry.field(
        description="One per endpoint the event went (or goes) to."
    )

    @classmethod
    async def load(cls, info: Info, outbox_id: int) -> WebhookEvent | None:
        async with connection(info.context.pool) as conn:
            found = await history.event(conn, outbox_id, scope=info.context.principal.scope)
        return None if found is None else (await events_of(info, [found]))[0]


async def events_of(info: Info, rows: list[history.Event]) -> list[WebhookEvent]:
    """The events with their deliveries and endpoints (two queries for the whole list)."""
    ctx = info.context
    scope = ctx.principal.scope
    async with connection(ctx.pool) as conn:
        found = await history.deliveries(conn, [row.id for row in rows], scope=scope)
        endpoint_ids = sorted({d.endpoint_id for ds in found.values() for d in ds})
        targets = await endpoints.by_ids(conn, endpoint_ids, scope=scope)
    loader = attempt_loader(ctx.pool)
    shown = {endpoint_id: WebhookEndpoint.of(e) for endpoint_id, e in targets.items()}
    return [
        WebhookEvent(
            id=strawberry.ID(to_global_id("WebhookEvent", row.id)),
            event_id=row.event_id,
            type=row.event_type,
            created_at=row.created_at,
            member_sequence=row.member_seq,
            payload=row.payload,
            deliveries=[
                WebhookDelivery.of(d, shown.get(d.endpoint_id), loader) for d in found[row.id]
            ],
        )
        for row in rows
    ]


@strawberry.type
class WebhookEventEdge:
    cursor: str
    node: WebhookEvent


@strawberry.type(description="Webhook events, newest first.")
class WebhookEventConnection:
    edges: list[WebhookEventEdge]
    page_info: PageInfo
