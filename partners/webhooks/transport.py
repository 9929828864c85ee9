"""The HTTP client deliveries go out with: one keep-alive pool, timeouts, no redirects, no
proxies from the environment, and connections only to addresses checked at connect time.

httpx resolves and connects inside its transport; this one swaps in a network backend that
resolves the host itself, refuses the connection when any address is not public, and
connects to a checked address (TLS still verifies the certificate for the URL's host). A
name that resolved somewhere public at registration and somewhere private now is refused.
"""

from __future__ import annotations

import math
import ssl
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpcore
import httpx

from partners.webhooks import targets
from partners.webhooks.errors import TargetRefused
from partners.webhooks.targets import Resolver

USER_AGENT = "points-exchange-webhooks/1"
HEADERS = {"user-agent": USER_AGENT, "accept-encoding": "identity"}
SHARD_CONNECTIONS = 4
KEEPALIVE_SECONDS = 30.0


class BlockedTarget(Exception):
    """A connection refused before it was made (the target is not public)."""


@dataclass(frozen=True)
class ClientOptions:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_connections: int = 32
    allow_private: bool = False


class GuardedBackend(httpcore.AsyncNetworkBackend):
    def __init__(self, *, allow_private: bool, resolver: Resolver) -> None:
        self._inner = httpcore.AnyIOBackend()
        self._allow_private = allow_private
        self._resolver = resolver

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        if self._allow_private:
            addresses = [host]
        else:
            try:
                found = await targets.public_addresses(host, port, self._resolver)
            except TargetRefused as refused:
                raise BlockedTarget(refused.message) from None
            addresses = [str(address) for address in found]
        failure: httpcore.ConnectError | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                failure = error
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise BlockedTarget("webhooks do not go to Unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's keep-alive transport over the guarded backend (never follows redirects: only a
    client does that, and none is used)."""

    def __init__(self, max_connections: int, allow_private: bool, resolver: Resolver) -> None:
        context = _ssl_context()
        limits = httpx.Limits(
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=KEEPALIVE_SECONDS,
        )
        super().__init__(verify=context, limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private=allow_private, resolver=resolver),
        )


_context: ssl.SSLContext | None = None


def _ssl_context() -> ssl.SSLContext:
    """One verifying context for every pool (loading the CA bundle takes milliseconds)."""
    global _context
    if _context is None:
        _context = httpx.create_ssl_context(trust_env=False)
    return _context


class Transports:
    """Small connection pools side by side; each attempt borrows the least busy one.

    httpcore's pool looks at every one of its connections on each request and response, so
    with dozens in flight one large pool costs more CPU than the request itself. Attempts go
    straight to a transport (``handle_async_request``): no cookies, no redirects, no auth."""

    def __init__(self, transports: list[httpx.AsyncBaseTransport], options: ClientOptions) -> None:
        self._transports = transports
        self._busy = [0] * len(transports)
        self.timeout = httpx.Timeout(
            connect=options.connect_timeout,
            read=options.read_timeout,
            write=options.read_timeout,
            pool=options.read_timeout,
        ).as_dict()

    @asynccontextmanager
    async def borrow(self) -> AsyncIterator[httpx.AsyncBaseTransport]:
        index = min(range(len(self._transports)), key=self._busy.__getitem__)
        self._busy[index] += 1
        try:
            yield self._transports[index]
        finally:
            self._busy[index] -= 1

    async def aclose(self) -> None:
        for transport in self._transports:
            await transport.aclose()


def transports(
    options: ClientOptions,
    *,
    resolver: Resolver = targets.system_resolver,
    transport: httpx.AsyncBaseTransport | None = None,
) -> Transports:
    """``max_connections`` over pools of ``SHARD_CONNECTIONS``; ``transport`` instead (a test's
    ``httpx.MockTransport``)."""
    if transport is not None:
        return Transports([transport], options)
    shards = math.ceil(options.max_connections / SHARD_CONNECTIONS)
    each = math.ceil(options.max_connections / shards)
    made: list[httpx.AsyncBaseTransport] = [
        GuardedTransport(each, options.allow_private, resolver) for _ in range(shards)
    ]
    return Transports(made, options)
