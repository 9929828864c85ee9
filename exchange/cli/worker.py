"""``exchange worker``: deliver webhooks until Ctrl-C, expire conversions out of points that
their partner did not confirm in time (every 5 seconds), and review tiers and expire points
once a day. Run as many as you like: they claim disjoint deliveries (``FOR UPDATE SKIP
LOCKED``), and a review, an expiry or a conversion's expiry locks the members it changes (a
second one finds nothing more)."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

import typer
from prometheus_client import start_http_server

from exchange.cli.common import DataDir, console, database, describe, settings_for
from exchange.kit.db import open_pool
from exchange.kit.logs import configure as configure_logging
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import Settings
from exchange.ledger import outbox_partitions
from exchange.ledger.expiry import ExpiryPolicy, expire_daily
from partners.conversions import sweeping as conversions
from partners.tiers.reviewing import review_daily
from partners.webhooks.transport import ClientOptions
from partners.webhooks.worker import Worker, WorkerOptions

POOL_SIZE = 4
"""Fan-out, claims, the recorder and the signing keys: a few statements at a time."""


def worker(
    concurrency: Annotated[
        int, typer.Option(min=1, max=1024, help="Attempts in flight at once.")
    ] = 32,
    batch: Annotated[
        int, typer.Option(min=1, max=1000, help="Deliveries claimed and recorded per statement.")
    ] = 100,
    lease: Annotated[
        int,
        typer.Option(
            min=30, max=3600, help="Seconds a claim is this worker's before another may retry."
        ),
    ] = 60,
    tier_review: Annotated[
        bool,
        typer.Option(help="Review tiers at start and then once a day (exchange tiers review)."),
    ] = True,
    expiry: Annotated[
        bool,
        typer.Option(
            help="Expire due points at start and then once a day (exchange expire), by"
            " EXCHANGE_EXPIRY_POLICY, and warn of points expiring within"
            " EXCHANGE_EXPIRY_WARNING_DAYS (points.expiring)."
        ),
    ] = True,
    outbox_partitions: Annotated[
        bool,
        typer.Option(
            help="Make the outbox's coming monthly partitions and archive months older than"
            " EXCHANGE_OUTBOX_RETENTION_DAYS, at start and then once a day (exchange outbox"
            " maintain)."
        ),
    ] = True,
    metrics_port: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=65535,
            help="Serve this worker's Prometheus metrics (webhook delivery failures) on"
            " http://ADDRESS:PORT/metrics.",
        ),
    ] = None,
    metrics_address: Annotated[
        str, typer.Option(help="Address the metrics listen on (with --metrics-port).")
    ] = "127.0.0.1",
    data_dir: DataDir = None,
) -> None:
    """Deliver webhooks until Ctrl-C: fan out new events, send due deliveries, retry; expire
    conversions not confirmed in time; review tiers and expire due points once a day."""
    settings = settings_for(data_dir)
    options = WorkerOptions(
        concurrency=concurrency,
        batch=batch,
        lease=timedelta(seconds=lease),
        client=ClientOptions(
            max_connections=concurrency, allow_private=settings.webhook_allow_private_targets
        ),
    )
    configure_logging(settings.log_format, settings.log_level)
    if metrics_port is not None:
        start_http_server(metrics_port, metrics_address)
    with database(settings) as url:
        console.print(f"Database: {describe(settings)}")
        private = " (private targets allowed)" if settings.webhook_allow_private_targets else ""
        console.print(f"Delivering webhooks{private}, {concurrency} at a time; Ctrl-C stops.")
        daily = Daily(tier_review, expiry, outbox_partitions)
        asyncio.run(_run(url, settings, options, daily))
    console.print("Stopped.")


@dataclass(frozen=True)
class Daily:
    """The once-a-day jobs this worker runs beside the deliveries."""

    tier_review: bool
    expiry: bool
    outbox_partitions: bool = True


async def _run(url: str, settings: Settings, options: WorkerOptions, daily: Daily) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    pool = await open_pool(url, size=POOL_SIZE)
    try:
        async with Worker(pool, SecretBox.from_settings(settings), options) as running:
            jobs = [conversions.sweep_forever(pool, stop)]
            if daily.tier_review:
                jobs.append(review_daily(pool, stop))
            if daily.expiry:
                jobs.append(
                    expire_daily(
                        pool,
                        ExpiryPolicy.from_settings(settings),
                        stop,
                        warning_days=settings.expiry_warning_days,
                    )
                )
            if daily.outbox_partitions:
                retention = timedelta(days=settings.outbox_retention_days)
                jobs.append(outbox_partitions.maintain_daily(pool, retention, stop))
            await asyncio.gather(running.run(stop), *jobs)
    finally:
        await pool.close()
