"""When the database goes away (a crash, a restart, a failover): HTTP 503 with ``Retry-After``
and ``extensions.code = "SERVICE_UNAVAILABLE"``, never a masked 500. The client sends the same
request again, with the same idempotency key, and gets the one result the ledger keeps.

The pool hands out a connection without testing it (a test would cost a round trip on every
request); after a server restart, each connection it held would fail once. So before a 503
leaves, the pool tests its idle connections (one check at a time, which the failures that
meet at once all wait for) and replaces the dead ones: the client's retry finds live ones.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.kit.db import Pool, is_unavailable

from .context import Resources
from .errors import UNAVAILABLE, UNAVAILABLE_CODE, error_body
from .middleware import request_id_of

logger = logging.getLogger("exchange.gateway")

RETRY_AFTER_SECONDS = 1
CHECK_SECONDS = 5.0
"""Longest a 503 waits for the pool's check (the server may be down: it then fails fast)."""
_checks: weakref.WeakKeyDictionary[Pool, asyncio.Task[None]] = weakref.WeakKeyDictionary()


def retry_headers() -> dict[str, str]:
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


async def recover(*pools: Pool | None) -> None:
    """Have each pool test its idle connections (or join the check under way)."""
    checks = [_check_of(pool) for pool in pools if pool is not None]
    if checks:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(asyncio.gather(*checks)), CHECK_SECONDS)


def _check_of(pool: Pool) -> asyncio.Task[None]:
    running = _checks.get(pool)
    if running is None or running.done():
        running = _checks[pool] = asyncio.create_task(_check(pool))
    return running


async def _check(pool: Pool) -> None:
    try:
        await pool.check()
    except Exception:  # the database may still be down: the next failure checks again
        logger.warning("checking the pool's connections failed", exc_info=True)


async def response(request_id: str, pools: list[Pool | None], error: BaseException) -> Response:
    """The whole answer to a request that met an unreachable database."""
    logger.warning("database unavailable in request %s: %s", request_id, error)
    await recover(*pools)
    return JSONResponse(
        error_body(UNAVAILABLE, UNAVAILABLE_CODE, requestId=request_id),
        status_code=503,
        headers=retry_headers(),
    )


async def handle_unavailable(request: Request, error: Exception) -> Response:
    """Starlette's handler for the pages and downloads outside ``/graphql``."""
    if not is_unavailable(error):
        raise error
    resources = getattr(request.app.state, "resources", None)
    return await response(request_id_of(request.scope), pools_of(resources), error)


def pools_of(resources: Resources | None) -> list[Pool | None]:
    """The primary's pool, and the read replica's when there is one."""
    if resources is None:
        return []
    router = resources.router
    return [resources.pool, router.replica if router is not None else None]
