"""Where webhooks may go: the URL's form, and addresses that are public.

Checked when an endpoint is registered and again at every connection (after DNS resolution,
so a name that later resolves somewhere private is caught): loopback, private, link-local,
shared (CGNAT), reserved, multicast and cloud metadata addresses are refused, unless the
settings allow private targets (development and tests). Production wants https.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from exchange.kit.errors import InvalidInput
from partners.webhooks.errors import TargetRefused

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[IPAddress]]]
"""Host and port to the addresses a connection may go to (injectable for tests)."""

MAX_URL = 2048
METADATA = frozenset(
    ipaddress.ip_address(address)
    for address in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack...
        "169.254.170.2",  # AWS ECS task metadata
        "fd00:ec2::254",  # AWS over IPv6
        "100.100.100.200",  # Alibaba Cloud
        "168.63.129.16",  # Azure wire server (a public address)
        "192.0.0.192",  # Oracle Cloud
    )
)


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def parse(url: str, *, production: bool) -> Target:
    """An absolute http(s) URL without credentials or fragment; https in production."""
    if not 0 < len(url) <= MAX_URL or not url.isprintable() or " " in url:
        raise InvalidInput(f"url must be 1 to {MAX_URL} printable characters", field=["url"])
    parts = urlsplit(url)
    allowed = ("https",) if production else ("https", "http")
    if parts.scheme not in allowed:
        raise TargetRefused(f"url must use {' or '.join(allowed)}", field=["url"])
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise InvalidInput("url has an invalid port", field=["url"]) from None
    if not parts.hostname:
        raise InvalidInput("url must name a host", field=["url"])
    if parts.username is not None or parts.password is not None:
        raise InvalidInput("url must not carry credentials", field=["url"])
    if parts.fragment:
        raise InvalidInput("url must not have a #fragment", field=["url"])
    return Target(url=url, scheme=parts.scheme, host=parts.hostname.lower(), port=port)


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_v4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4, Teredo)."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return None if address.teredo is None else address.teredo[1]


def is_public(address: IPAddress) -> bool:
    """An address a webhook may reach: globally routable unicast, not reserved, not a metadata
    service; an IPv6 address that carries an IPv4 one is judged by that one too."""
    embedded = _embedded_v4(address)
    if isinstance(address, ipaddress.IPv6Address) and (
        address.ipv4_mapped is not None or address in NAT64
    ):
        assert embedded is not None
        return is_public(embedded)  # "reserved" to Python, routable in practice (DNS64)
    if embedded is not None and not is_public(embedded):
        return False
    return (
        address.is_global
        and not address.is_multicast
        and not address.is_reserved
        and address not in METADATA
    )


def literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


async def system_resolver(host: str, port: int) -> list[IPAddress]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    found: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in found:
            found.append(address)
    return found


async def public_addresses(host: str, port: int, resolver: Resolver) -> list[IPAddress]:
    """The host's addresses, every one of them public; else TargetRefused."""
    address = literal(host)
    if address is not None:
        found = [address]
    else:
        try:
            found = await resolver(host, port)
        except OSError:
            raise TargetRefused(f"{host} does not resolve", field=["url"]) from None
    if not found:
        raise TargetRefused(f"{host} does not resolve", field=["url"])
    refused = [str(address) for address in found if not is_public(address)]
    if refused:
        raise TargetRefused(
            f"{host} is (or resolves to) a loopback, private, link-local or metadata address"
            f" ({', '.join(refused)})",
            field=["url"],
        )
    return found


async def check(
    url: str, *, production: bool, allow_private: bool, resolver: Resolver = system_resolver
) -> Target:
    """The URL parsed, and (unless private targets are allowed) its addresses public."""
    target = parse(url, production=production)
    if not allow_private:
        await public_addresses(target.host, target.port, resolver)
    return target
