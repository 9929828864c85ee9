"""The ASGI application: ``uvicorn exchange.gateway.app:create_app --factory``."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from psycopg import OperationalError
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import Route

from exchange.kit import embedded
from exchange.kit.db import Pool, open_pool, resolve_database_url
from exchange.kit.replica import ReadRouter, WriteMarks
from exchange.kit.settings import Settings, get_settings
from partners import burn_terms

from .burn_terms_listener import listen_for_burn_terms
from .context import Resources
from .import_reports import import_errors_csv
from .key_listener import listen_for_key_changes
from .member_tokens import member_token_routes
from .middleware import RequestIdMiddleware
from .ops import healthz, metrics, readyz
from .report_pages import report_routes
from .schema import build_schema
from .statements import statement_entries_file, statements_file
from .sweeper import sweep_forever
from .unavailable import handle_unavailable
from .view import GatewayView
from .webapp.routes import webapp_routes
from .webhook_keys import webhook_keys
from .webhook_worker import deliver_forever, stop_worker


def _lifespan(
    resources: Resources, *, own_pool: bool, sweep: bool, deliver: bool = False
) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    settings = resources.settings

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if own_pool:
            url = await asyncio.to_thread(resolve_database_url, settings)
            resources.pool = await open_pool(url, size=settings.pool_size)
        if settings.read_replica_url:
            replica = await open_pool(
                settings.read_replica_url, size=settings.pool_size, wait=False
            )
            resources.router = ReadRouter(resources.pool, replica, WriteMarks())
        conninfo = resources.pool.conninfo
        assert isinstance(conninfo, str), "the pool is opened with a URL"
        tasks = [
            asyncio.create_task(listen_for_key_changes(conninfo, resources.keys)),
            asyncio.create_task(listen_for_burn_terms(conninfo, burn_terms.CACHE)),
        ]
        if sweep:
            tasks.append(
                asyncio.create_task(
                    sweep_forever(resources.pool, settings.hold_sweep_interval_seconds)
                )
            )
        stop = asyncio.Event()
        worker = (
            asyncio.create_task(deliver_forever(resources.pool, settings, stop))
            if deliver
            else None
        )
        try:
            yield
        finally:
            if worker is not None:
                await stop_worker(worker, stop)
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            if resources.router is not None:
                await resources.router.replica.close()
                resources.router = None
            if own_pool:
                await resources.pool.close()
                resources.pool = None
                if settings.database_url is None:
                    await asyncio.to_thread(embedded.stop)

    return lifespan


def _assemble(
    resources: Resources, *, own_pool: bool, sweep: bool, deliver: bool = False
) -> Starlette:
    view = GatewayView(build_schema(resources.settings), resources)
    app = Starlette(
        debug=False,
        routes=[
            Route("/graphql", view),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics, methods=["GET"]),
            Route("/.well-known/webhook-keys", webhook_keys, methods=["GET"]),
            Route("/imports/{job_id:int}/errors.csv", import_errors_csv, methods=["GET"]),
            Route(
                "/settlement/batches/{batch_id:int}/statements.{format}",
                statements_file,
                methods=["GET"],
            ),
            Route(
                "/settlement/batches/{batch_id:int}/statements/{code}/entries.csv",
                statement_entries_file,
                methods=["GET"],
            ),
            Route(
                "/settlement/batches/{batch_id:int}/statements/{code}.{format}",
                statements_file,
                methods=["GET"],
            ),
            *report_routes(),
            *webapp_routes(),
            *member_token_routes(),
        ],
        middleware=[Middleware(RequestIdMiddleware)],
        exception_handlers={OperationalError: handle_unavailable},
        lifespan=_lifespan(resources, own_pool=own_pool, sweep=sweep, deliver=deliver),
    )
    app.state.resources = resources
    return app


def create_app() -> Starlette:
    """The gateway as ``exchange serve`` runs it: its own pool and hold sweeper."""
    return _assemble(Resources(get_settings()), own_pool=True, sweep=True)


def create_app_with_worker() -> Starlette:
    """``exchange serve --with-worker``: the gateway and a webhook delivery worker in-process."""
    return _assemble(Resources(get_settings()), own_pool=True, sweep=True, deliver=True)


def create_app_from(settings: Settings, *, sweep: bool = True) -> Starlette:
    """The gateway with a pool of its own opened from ``settings`` (a server in a thread)."""
    return _assemble(Resources(settings), own_pool=True, sweep=sweep)


def create_app_for(
    pool: Pool, settings: Settings | None = None, *, sweep: bool = False
) -> Starlette:
    """The gateway around an open pool (tests, embedding); the caller owns the pool."""
    resources = Resources(settings or get_settings(), pool)
    return _assemble(resources, own_pool=False, sweep=sweep)
