"""One HTTP attempt: POST the body with its headers through a keep-alive transport, read at
most ``SNIPPET_BYTES`` of the answer, and say what happened (status, or the error; latency)
without raising. Redirects are answers like any other: never followed."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from partners.webhooks.transport import HEADERS, BlockedTarget

SNIPPET_BYTES = 1024
MAX_ERROR = 500


@dataclass(frozen=True)
class Answer:
    http_status: int | None
    """None: no answer (timeout, refused or failed connection, blocked target)."""
    error: str | None
    latency_ms: int
    snippet: str | None
    retry_after: str | None = None


async def _read_some(response: httpx.Response) -> bytes:
    """At most ``SNIPPET_BYTES`` of the raw body; the rest is never read."""
    collected = b""
    async for chunk in response.aiter_raw():
        collected += chunk
        if len(collected) >= SNIPPET_BYTES:
            break
    return collected[:SNIPPET_BYTES]


@functools.lru_cache(maxsize=4096)
def _url(url: str) -> httpx.URL:
    """Parsed once per endpoint URL, not once per attempt."""
    return httpx.URL(url)


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", errors="replace").replace("\x00", "\ufffd")


def _problem(error: BaseException) -> str:
    if isinstance(error, BlockedTarget):
        return f"blocked: {error}"
    if isinstance(error, httpx.TimeoutException | TimeoutError):
        return f"timeout ({type(error).__name__})"
    detail = str(error) or type(error).__name__
    return f"{type(error).__name__}: {detail}"[:MAX_ERROR]


async def post(
    transport: httpx.AsyncBaseTransport,
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeouts: dict[str, float | None],
    deadline: float,
) -> Answer:
    """One POST, over in ``deadline`` seconds whatever the receiver does (a slow drip too)."""
    started = time.perf_counter()
    try:
        request = httpx.Request(
            "POST",
            _url(url),
            content=body,
            headers={**HEADERS, **headers},
            extensions={"timeout": timeouts},
        )
        async with asyncio.timeout(deadline):
            response = await transport.handle_async_request(request)
            try:
                raw = await _read_some(response)
            finally:
                await response.aclose()
    except (httpx.HTTPError, httpx.InvalidURL, BlockedTarget, TimeoutError, OSError) as error:
        elapsed = round((time.perf_counter() - started) * 1000)
        return Answer(http_status=None, error=_problem(error), latency_ms=elapsed, snippet=None)
    elapsed = round((time.perf_counter() - started) * 1000)
    return Answer(
        http_status=response.status_code,
        error=None,
        latency_ms=elapsed,
        snippet=_text(raw) or None,
        retry_after=response.headers.get("retry-after"),
    )
