"""A partner's webhook receiver (a real HTTP server on 127.0.0.1) that verifies every
delivery as a partner would, with the Standard Webhooks library (HMAC) or ``cryptography``
(Ed25519); a clock tests move by hand; earning points to make events; GraphQL calls."""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import json
import secrets
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import httpx
import uvicorn
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exchange.kit.db import Conn, Pool, connection, transaction
from exchange.kit.ids import to_global_id
from exchange.kit.money import Money
from exchange.ledger.outcome import Outcome
from exchange.ledger.outcome import Request as LedgerRequest
from partners.purchases import earn_purchase

TOLERANCE = timedelta(minutes=5)
SECRET_KEY = "tests-only secret key for webhooks, 0123456789abcdef"
"""EXCHANGE_SECRET_KEY of the tests' gateway, workers and subprocesses."""
_names = itertools.count(1)
_keys = itertools.count(1)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class VerificationFailed(Exception):
    pass


def verify_ed25519(
    body: bytes, headers: dict[str, str], public_keys: list[str], now: datetime | None = None
) -> dict[str, Any]:
    """What a partner does with an Ed25519 delivery and the published keys."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signature = headers.get("webhook-signature")
    if not (msg_id and stamp and signature):
        raise VerificationFailed("missing headers")
    sent = datetime.fromtimestamp(int(stamp), UTC)
    if abs((now or datetime.now(UTC)) - sent) > TOLERANCE:
        raise VerificationFailed("timestamp outside tolerance")
    content = f"{msg_id}.{stamp}.".encode() + body
    keys = [Ed25519PublicKey.from_public_bytes(base64.b64decode(key)) for key in public_keys]
    for versioned in signature.split(" "):
        version, _, encoded = versioned.partition(",")
        if version != "v1a":
            continue
        for key in keys:
            try:
                key.verify(base64.b64decode(encoded), content)
            except (InvalidSignature, binascii.Error, ValueError):
                continue
            return dict(json.loads(body))
    raise VerificationFailed("no matching signature")


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: str = "ok"


@dataclass
class Hook:
    """One receiving URL: how it verifies, and what it answers (``script`` first, in order)."""

    name: str
    hmac_secret: str | None = None
    public_keys: list[str] = field(default_factory=list)
    script: list[Reply] = field(default_factory=list)
    default: Reply = field(default_factory=Reply)


@dataclass(frozen=True)
class Received:
    hook: str
    headers: dict[str, str]
    body: bytes
    verified: bool
    problem: str | None
    status: int

    @property
    def event(self) -> dict[str, Any]:
        return dict(json.loads(self.body))


class Receiver:
    """The partner's side: an ASGI app under uvicorn in a thread of its own."""

    def __init__(self) -> None:
        self.hooks: dict[str, Hook] = {}
        self.received: list[Received] = []
        self.port = free_port()
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/{name}"

    def hook(self, **settings: Any) -> Hook:
        created = Hook(name=f"h{next(_names)}", **settings)
        self.hooks[created.name] = created
        return created

    def at(self, hook: Hook) -> list[Received]:
        return [item for item in self.received if item.hook == hook.name]

    def verify(self, hook: Hook, body: bytes, headers: dict[str, str]) -> None:
        if hook.hmac_secret is not None:
            try:
                Webhook(hook.hmac_secret).verify(body, headers)
            except WebhookVerificationError as error:
                raise VerificationFailed(str(error)) from None
        else:
            verify_ed25519(body, headers, hook.public_keys)

    async def handle(self, request: Request) -> Response:
        hook = self.hooks[request.path_params["name"]]
        body = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        try:
            self.verify(hook, body, headers)
            problem = None
        except VerificationFailed as error:
            problem = str(error)
        reply = hook.script.pop(0) if hook.script else hook.default
        status = reply.status if problem is None else 400
        self.received.append(Received(hook.name, headers, body, problem is None, problem, status))
        if reply.delay:
            await asyncio.sleep(reply.delay)
        return Response(reply.body, status_code=status, headers=reply.headers)

    def start(self) -> None:
        app = Starlette(routes=[Route("/hooks/{name}", self.handle, methods=["POST"])])
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the receiver did not start")
            time.sleep(0.02)

    def stop(self) -> None:
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=10)


async def eventually(check: Callable[[], bool], *, within: float = 60.0) -> bool:
    """Wait (in real time) until ``check()`` holds: for work of another thread or process."""
    deadline = time.monotonic() + within
    while not check():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.05)
    return True


class Clock:
    """Business time for the worker: moved by hand, never by sleeping."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> datetime:
        self.at += timedelta(**delta)
        return self.at


def real_now() -> datetime:
    """The worker's clock when the gateway (which uses real time) made the work."""
    return datetime.now(UTC)


def new_key(prefix: str = "wh") -> str:
    return f"{prefix}-{next(_keys)}-{secrets.token_hex(4)}"


async def earn_in(conn: Conn, partner_id: int, member_id: int, amount: str = "10.00") -> Outcome:
    """An earnPoints as the gateway posts it, on this connection: one ``points.earned``."""
    now = datetime.now(UTC)
    money = Money(Decimal(amount), "EUR")
    request = LedgerRequest(
        f"partner:{partner_id}",
        new_key("earn"),
        "earnPoints",
        {"memberId": member_id, "amount": money.as_json(), "orderId": None},
    )
    return await earn_purchase(
        conn,
        request,
        partner_id=partner_id,
        member_id=member_id,
        money=money,
        lines=[],
        order_id=f"order-{secrets.token_hex(3)}",
        occurred_at=now,
        now=now,
    )


async def earn(pool: Pool, partner_id: int, member_id: int, amount: str = "10.00") -> Outcome:
    async with connection(pool) as conn:
        return await earn_in(conn, partner_id, member_id, amount)


async def one_row(pool: Pool, query: str, *params: Any) -> dict[str, Any]:
    async with transaction(pool) as conn:
        cur = await conn.execute(query, params)  # type: ignore[arg-type]
        row = await cur.fetchone()
    assert row is not None, query
    return dict(row)


async def rows(pool: Pool, query: str, *params: Any) -> list[dict[str, Any]]:
    async with transaction(pool) as conn:
        cur = await conn.execute(query, params)  # type: ignore[arg-type]
        return [dict(row) for row in await cur.fetchall()]


async def deliveries_of(pool: Pool, endpoint_id: int) -> list[dict[str, Any]]:
    return await rows(
        pool,
        "SELECT d.*, o.event_id, o.event_type FROM webhook_deliveries d"
        " JOIN outbox_events o ON o.id = d.outbox_id WHERE d.endpoint_id = %s ORDER BY d.id",
        endpoint_id,
    )


async def attempts_of(pool: Pool, delivery_id: int) -> list[dict[str, Any]]:
    return await rows(
        pool,
        "SELECT * FROM webhook_attempts WHERE delivery_id = %s ORDER BY attempt, id",
        delivery_id,
    )


async def quiesce(conn: Conn) -> None:
    """After a test: its endpoints receive nothing more and its deliveries are final, so
    the next test's worker rounds see only that test's work."""
    await conn.execute("UPDATE webhook_endpoints SET status = 'DISABLED' WHERE status = 'ACTIVE'")
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'DEAD', locked_until = NULL"
        " WHERE status IN ('PENDING', 'DELIVERING')"
    )


def gid(type_name: str, db_id: int) -> str:
    return to_global_id(type_name, db_id)


@dataclass
class Api:
    """POST /graphql with a bearer key."""

    client: httpx.AsyncClient
    key: str | None

    async def data(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.key}"} if self.key else {}
        response = await self.client.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        assert "errors" not in result, result["errors"]
        return dict(result["data"])

    async def mutate(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input)"
            f" {{ {fields} userErrors {{ field message code }} }} }}"
        )
        return dict((await self.data(query, {"input": input}))[name])

    async def ok(self, name: str, input: dict[str, Any], fields: str) -> dict[str, Any]:
        payload = await self.mutate(name, input, fields)
        assert payload["userErrors"] == [], payload["userErrors"]
        return payload

    async def refused(self, name: str, input: dict[str, Any], fields: str = "") -> dict[str, Any]:
        payload = await self.mutate(name, input, fields or "__typename")
        assert len(payload["userErrors"]) == 1, payload
        return dict(payload["userErrors"][0])


ENDPOINT_FIELDS = "endpoint { id url eventTypes signing status disabledReason }"
