"""The receiver (uvicorn on 127.0.0.1, for the session), the worker around the session's pool
with a hand-moved clock, endpoints, and the gateway with webhook settings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import httpx
import pytest
from webhooks_support import SECRET_KEY, Api, Clock, Hook, Receiver, quiesce

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, transaction
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import Settings
from partners import keys
from partners.webhooks import endpoints, signing_keys
from partners.webhooks.endpoints import Endpoint, NewEndpoint, Policy
from partners.webhooks.transport import ClientOptions
from partners.webhooks.worker import Worker, WorkerOptions

OPEN = Policy(production=False, allow_private=True)


@pytest.fixture(scope="session")
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def webhook_settings() -> Settings:
    return Settings(
        database_url="postgresql://unused/by-tests",
        secret_key=SECRET_KEY,  # type: ignore[arg-type]
        webhook_allow_private_targets=True,
    )


@pytest.fixture(scope="session")
def box(webhook_settings: Settings) -> SecretBox:
    return SecretBox.from_settings(webhook_settings)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(autouse=True)
async def _quiet_afterwards(pool: Pool) -> AsyncIterator[None]:
    yield
    async with transaction(pool) as conn:
        await quiesce(conn)


MakeWorker = Callable[..., AbstractAsyncContextManager[Worker]]


@pytest.fixture
def make_worker(pool: Pool, box: SecretBox, clock: Clock) -> MakeWorker:
    """``async with make_worker(**options) as worker``: private targets allowed, no jitter,
    the test's clock; ``allow_private``, ``resolver``, ``wall``... may be given."""

    @asynccontextmanager
    async def make(
        *, allow_private: bool = True, deadline: float = 5.0, **kwargs: Any
    ) -> AsyncIterator[Worker]:
        client = ClientOptions(allow_private=allow_private, connect_timeout=2.0, read_timeout=5.0)
        options = WorkerOptions(
            deadline=deadline,
            client=client,
            **{k: kwargs.pop(k) for k in list(kwargs) if k in WorkerOptions.__dataclass_fields__},
        )
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("jitter", lambda: 0.0)
        async with Worker(pool, box, options, **kwargs) as worker:
            yield worker

    return make


MakeEndpoint = Callable[..., Awaitable[tuple[Endpoint, str | None]]]


@pytest.fixture
def make_endpoint(pool: Pool, box: SecretBox, receiver: Receiver) -> MakeEndpoint:
    """An endpoint of ``partner`` for ``hook`` (HMAC: the hook learns the secret)."""

    async def make(
        partner: Any,
        hook: Hook | None = None,
        *,
        url: str | None = None,
        signing: str = "HMAC_SHA256",
        event_types: tuple[str, ...] = ("points.earned",),
        policy: Policy = OPEN,
    ) -> tuple[Endpoint, str | None]:
        target = url or receiver.url(hook.name if hook else "none")
        endpoint, secret = await endpoints.create(
            pool,
            box,
            policy,
            partner_id=partner.id,
            new=NewEndpoint(target, list(event_types), signing),
            now=Clock()(),
            caller=f"partner:{partner.id}",
        )
        if hook is not None and secret is not None:
            hook.hmac_secret = secret
        return endpoint, secret

    return make


@pytest.fixture
async def public_keys(pool: Pool, box: SecretBox) -> list[str]:
    """The exchange's live public signing keys (as /.well-known/webhook-keys has them)."""
    async with transaction(pool) as conn:
        live = await signing_keys.ensure_key(conn, box, Clock()())
    return [key.public_key for key in live]


@pytest.fixture(scope="session")
def app(pool: Pool, webhook_settings: Settings) -> Any:
    return create_app_for(pool, webhook_settings)


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client


@pytest.fixture
def staff_api(pool: Pool, client: httpx.AsyncClient) -> Callable[[str], Awaitable[Api]]:
    async def make(role: str) -> Api:
        async with transaction(pool) as conn:
            issued = await keys.create_key(conn, role=role, partner_id=None)  # type: ignore[arg-type]
        return Api(client, issued.secret)

    return make
