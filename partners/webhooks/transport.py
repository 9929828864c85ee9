"""The HTTP client deliveries go out with: one keep-alive pool, timeouts, no redirects, no
proxies from the environment, and connections only to addresses checked at connect time.

httpx resolves and connects inside its transport; this one swaps in a network backend that
resolves the host itself, refuses the connection when any address is not public, and
connects to a checked address (TLS still verifies the certificate for the URL's host). A
name that resolved somewhere public at registration and somewhere private now is refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import httpcore
import httpx

from partners.webhooks import targets
from partners.webhooks.errors import TargetRefused
from partners.webhooks.targets import Resolver

USER_AGENT = "points-exchange-webhooks/1"


class BlockedTarget(Exception):
    """A connection refused before it was made (the target is not public)."""


@dataclass(frozen=True)
class ClientOptions:
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    max_connections: int = 64
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
    def __init__(self, options: ClientOptions, resolver: Resolver) -> None:
        limits = _limits(options)
        super().__init__(limits=limits, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private=options.allow_private, resolver=resolver),
        )


def _limits(options: ClientOptions) -> httpx.Limits:
    return httpx.Limits(
        max_connections=options.max_connections,
        max_keepalive_connections=options.max_connections,
        keepalive_expiry=30.0,
    )


def client(
    options: ClientOptions,
    *,
    resolver: Resolver = targets.system_resolver,
    transport: httpx.AsyncBaseTransport | None = None,
) -> httpx.AsyncClient:
    """The shared client; ``transport`` replaces the guarded one (httpx.MockTransport)."""
    timeout = httpx.Timeout(
        connect=options.connect_timeout,
        read=options.read_timeout,
        write=options.read_timeout,
        pool=options.read_timeout,
    )
    return httpx.AsyncClient(
        transport=transport or GuardedTransport(options, resolver),
        timeout=timeout,
        follow_redirects=False,
        trust_env=False,
        headers={"user-agent": USER_AGENT, "accept-encoding": "identity"},
    )
