"""The edge of every request: an ``X-Request-Id`` (the caller's, if sane, or a new one), and
when the response is out, one JSON log line and the request metrics.

What the line says beyond method, path and status is filled in on the way by whoever
learns it (``RequestFacts``): the view (who called), the GraphQL guard (which operation).
Never the query string, a header or a body: they may carry keys or card numbers."""

from __future__ import annotations

import logging
import re
import time
import uuid
from dataclasses import dataclass

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exchange.kit.metrics import LATENCY, REQUESTS

HEADER = "X-Request-Id"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")
QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
"""Probes and scrapes: neither logged nor counted (they come every few seconds)."""

access_log = logging.getLogger("exchange.access")


@dataclass
class RequestFacts:
    request_id: str
    operation: str | None = None
    """The GraphQL root field (``earnPoints``), ``multiple``, or the route's endpoint."""
    principal: str = "none"
    """``partner``, ``member``, ``finance``, ``admin``, or ``none`` (no valid credential)."""
    key_id: int | None = None
    client_ip: str | None = None
    """The peer's address (behind a proxy: what uvicorn's --proxy-headers made of it)."""
    user_agent: str | None = None
    retry_after: float | None = None
    """Set when the request was refused with RATE_LIMITED: the seconds to wait."""


def facts_of(scope: Scope) -> RequestFacts:
    """The facts of this request (fresh ones outside the middleware)."""
    state = scope.setdefault("state", {})
    facts = state.get("facts")
    if facts is None:
        facts = state["facts"] = RequestFacts(uuid.uuid4().hex)
        state["request_id"] = facts.request_id
    assert isinstance(facts, RequestFacts)
    return facts


def request_id_of(scope: Scope) -> str:
    """The id the middleware gave this request (a fresh one outside the middleware)."""
    return facts_of(scope).request_id


def _endpoint_name(scope: Scope) -> str:
    """A bounded label for a route that is not a GraphQL operation: its endpoint's name."""
    if scope["path"] == "/graphql":
        return "graphql"
    endpoint = scope.get("endpoint")
    if endpoint is None:
        return "other"
    return str(getattr(endpoint, "__name__", type(endpoint).__name__))


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        facts = RequestFacts(incoming if _SANE.match(incoming) else uuid.uuid4().hex)
        client = scope.get("client")
        facts.client_ip = client[0] if client else None
        agent = headers.get(b"user-agent")
        facts.user_agent = None if agent is None else agent.decode("latin-1")
        scope.setdefault("state", {}).update(facts=facts, request_id=facts.request_id)
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[HEADER] = facts.request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if scope["path"] not in QUIET_PATHS:
                _record(scope, facts, status, time.perf_counter() - started)


def _record(scope: Scope, facts: RequestFacts, status: int, elapsed: float) -> None:
    operation = facts.operation or _endpoint_name(scope)
    REQUESTS.labels(operation, str(status)).inc()
    LATENCY.labels(operation).observe(elapsed)
    access_log.info(
        "%s %s %s",
        scope["method"],
        scope["path"],
        status,
        extra={
            "request_id": facts.request_id,
            "method": scope["method"],
            "path": scope["path"],
            "operation": operation,
            "principal": facts.principal,
            "key_id": facts.key_id,
            "status": status,
            "latency_ms": round(elapsed * 1000, 2),
        },
    )
