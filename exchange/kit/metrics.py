"""Prometheus metrics kept in the process (requests, latencies, webhook delivery failures).

Several uvicorn workers: ``exchange serve --workers N`` points ``PROMETHEUS_MULTIPROC_DIR`` at
a fresh directory before the workers start, each process writes its samples there, and
whichever process answers ``/metrics`` sums them all (prometheus_client's multiprocess
mode). Figures that live in the database (ledger rows, outbox lag, import jobs) are read
when scraped instead: every process gives the same answer (see exchange.gateway.ops).
"""

from __future__ import annotations

import os
from pathlib import Path

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUESTS = Counter(
    "exchange_http_requests",
    "Requests answered, by operation (the GraphQL root field, or the route) and HTTP status.",
    ["operation", "status"],
)
LATENCY = Histogram(
    "exchange_http_request_duration_seconds",
    "Time from a request's arrival to its response, by operation.",
    ["operation"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
WEBHOOK_FAILURES = Counter(
    "exchange_webhook_delivery_failures",
    "Webhook delivery attempts that failed, by outcome (PENDING: retried later, DEAD: gave up).",
    ["outcome"],
)

RATE_LIMITED = Counter(
    "exchange_rate_limited_requests",
    "Requests refused with RATE_LIMITED, by principal kind.",
    ["principal"],
)


def prepare_multiprocess(directory: Path) -> None:
    """Use ``directory`` for the samples of every process started from now on; stale samples
    of an earlier run are removed (prometheus_client wants an empty directory at start)."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(directory)


def process_metrics() -> bytes:
    """This process's metrics, or every process's in multiprocess mode, as exposition text."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
