"""``exchange serve``: the GraphQL gateway on uvicorn, optionally with the demo coalition."""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Annotated

import typer
import uvicorn

from exchange.cli import show
from exchange.cli.check_config import report as report_config
from exchange.cli.common import (
    DataDir,
    console,
    database,
    describe,
    ensure_migrated,
    friendly_errors,
    run_with_pool,
    settings_for,
)
from exchange.cli.demo import DemoCoalition, seed
from exchange.kit import metrics
from exchange.kit.logs import logging_config
from exchange.kit.settings import Settings, get_settings
from exchange.migrations import is_current, upgrade

APP = "exchange.gateway.app:create_app"
APP_WITH_WORKER = "exchange.gateway.app:create_app_with_worker"
WORKER_HEALTHCHECK_SECONDS = 30


def serve(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo", help="Migrate, and create a demo coalition once (keys printed once)."
        ),
    ] = False,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Worker processes.")] = 1,
    data_dir: DataDir = None,
    migrate: Annotated[
        bool,
        typer.Option("--migrate", help="Apply pending migrations instead of refusing to start."),
    ] = False,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--with-worker", help="Deliver webhooks from this process too (one worker each)."
        ),
    ] = False,
    check_config: Annotated[
        bool,
        typer.Option(
            "--check-config",
            help="Check the settings (as `exchange check-config`) and exit: 1 if any is refused.",
        ),
    ] = False,
) -> None:
    """Serve POST /graphql (GraphiQL on GET) until Ctrl-C; then stop the embedded server."""
    if check_config:
        report_config()
        return
    settings = settings_for(data_dir)
    try:
        with database(settings, require_migrated=False) as url:
            console.print(f"Database: {describe(settings)}")
            _prepare(url, migrate=migrate or demo)
            if demo:
                _seed_demo(url, settings, host=host, port=port, data_dir=data_dir)
            else:
                console.print(f"GraphQL: {base_url(host, port)}/graphql (GraphiQL in a browser)")
            if settings.public_url:
                console.print(f"Public address: {settings.public_url.rstrip('/')}/graphql")
            _export(url, demo=demo)
            if with_worker:
                console.print("Webhooks: delivered by this process (--with-worker)")
            with _metrics_shared_by(workers):
                uvicorn.run(
                    APP_WITH_WORKER if with_worker else APP,
                    factory=True,
                    host=host,
                    port=port,
                    workers=workers,
                    log_config=logging_config(settings.log_format, settings.log_level),
                    # the gateway writes one line per request itself (exchange.access)
                    access_log=False,
                    # under full load a busy worker answers the supervisor's ping late; it is
                    # not hung, and killing it would drop the requests it is serving
                    timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
                )
    except KeyboardInterrupt:
        pass
    console.print("Stopped.")


@contextmanager
def _metrics_shared_by(workers: int) -> Iterator[None]:
    """With several worker processes, each writes its metrics to one directory and /metrics
    sums them (prometheus_client's multiprocess mode): the one in PROMETHEUS_MULTIPROC_DIR,
    emptied first, or a temporary one removed at the end."""
    configured = os.environ.get(metrics.MULTIPROC_ENV)
    if workers == 1 and not configured:
        yield
        return
    directory = Path(configured or tempfile.mkdtemp(prefix="exchange-metrics-"))
    metrics.prepare_multiprocess(directory)
    try:
        yield
    finally:
        if not configured:
            shutil.rmtree(directory, ignore_errors=True)


def _prepare(url: str, *, migrate: bool) -> None:
    if migrate and not is_current(url):
        console.print("Applying migrations...")
        upgrade(url)
    ensure_migrated(url)


def _seed_demo(
    url: str, settings: Settings, *, host: str, port: int, data_dir: Path | None
) -> None:
    with friendly_errors():
        coalition: DemoCoalition = run_with_pool(
            url, lambda pool: seed(pool, currency=settings.currency, now=datetime.now(UTC))
        )
    flag = f" --data-dir {shlex.quote(str(data_dir))}" if data_dir else ""
    show.demo(
        coalition, base_url=base_url(host, port), currency=settings.currency, data_dir_flag=flag
    )


def base_url(host: str, port: int) -> str:
    """Where a local client reaches the server (a wildcard address means this machine)."""
    if host in ("0.0.0.0", "::", ""):  # noqa: S104 - only mapped to loopback here
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _export(url: str, *, demo: bool) -> None:
    """The gateway (and every worker process) reads its settings from the environment."""
    os.environ["EXCHANGE_DATABASE_URL"] = url
    if demo:
        os.environ["EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS"] = "1"
    get_settings.cache_clear()
    signal.signal(signal.SIGTERM, _terminate)


def _terminate(signum: int, frame: FrameType | None) -> None:
    """SIGTERM ends like Ctrl-C: uvicorn shuts down gracefully, then the database stops."""
    raise KeyboardInterrupt
