"""Webhook queries: endpoints, events with their deliveries and attempts, event types.

A partner sees its own; admin and finance see every partner's."""

from __future__ import annotations

import strawberry

from exchange.kit.db import connection
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import expect_global_id, from_global_id, to_global_id
from partners import registry
from partners.webhooks import endpoints, history
from partners.webhooks.events import EVENT_TYPES

from .context import Info
from .types.common import PageInfo
from .types.webhooks import (
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookEventConnection,
    WebhookEventEdge,
    WebhookEventType,
    events_of,
)

CURSOR = "WebhookEventCursor"


async def webhook_endpoints(info: Info, partner_code: str | None = None) -> list[WebhookEndpoint]:
    ctx = info.context
    partner_id = ctx.principal.scope
    async with connection(ctx.pool) as conn:
        if partner_id is None and partner_code is not None:
            partner_id = (await registry.get_partner(conn, code=partner_code.upper())).id
        found = await endpoints.list_for(conn, partner_id=partner_id)
    return [WebhookEndpoint.of(endpoint) for endpoint in found]


def webhook_event_types() -> list[WebhookEventType]:
    return [WebhookEventType(name=name, description=text) for name, text in EVENT_TYPES.items()]


def _before(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, outbox_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return outbox_id


def _endpoint_filter(endpoint_id: strawberry.ID | None) -> int | None:
    if endpoint_id is None:
        return None
    try:
        return expect_global_id(endpoint_id, "WebhookEndpoint")
    except NotFound:
        return 0  # matches nothing: an unknown endpoint has no events


async def webhook_events(
    info: Info,
    first: int = 20,
    after: str | None = None,
    endpoint_id: strawberry.ID | None = None,
    status: WebhookDeliveryStatus | None = None,
) -> WebhookEventConnection:
    if not 1 <= first <= history.MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {history.MAX_PAGE}", field=["first"])
    ctx = info.context
    async with connection(ctx.pool) as conn:
        rows, more = await history.events_page(
            conn,
            scope=ctx.principal.scope,
            endpoint_id=_endpoint_filter(endpoint_id),
            status=None if status is None else status.value,
            before=_before(after),
            first=first,
        )
    nodes = await events_of(info, rows)
    edges = [
        WebhookEventEdge(cursor=to_global_id(CURSOR, row.id), node=node)
        for row, node in zip(rows, nodes, strict=True)
    ]
    page = PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return WebhookEventConnection(edges=edges, page_info=page)
