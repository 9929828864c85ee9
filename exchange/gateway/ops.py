"""Operational endpoints: ``/healthz`` (the process answers), ``/readyz`` (the database answers
and its schema is the code's), ``/metrics`` (Prometheus text).

``/metrics`` gives this process's counters (every worker's, in multiprocess mode: see
exchange.kit.metrics) and, read from the database at scrape time, what the whole
deployment wrote: ledger rows, the outbox's lag, webhook deliveries waiting, import jobs."""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exchange.kit.db import Conn, Pool
from exchange.kit.metrics import process_metrics
from exchange.migrations import head_revision

from .context import Resources

logger = logging.getLogger("exchange.gateway")

PROBE_TIMEOUT_SECONDS = 2.0
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

DATABASE_FIGURES = """
SELECT
  (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'postings'::regclass) AS postings,
  (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relid = 'journal_entries'::regclass)
      AS entries,
  (SELECT min(o.created_at) FROM webhook_fanout_state s
     JOIN outbox_events o ON o.xid >= s.last_xmin
    WHERE s.id = 1 AND EXISTS (
      SELECT 1 FROM webhook_endpoints e
       WHERE e.partner_id = o.partner_id AND e.status = 'ACTIVE'
         AND o.event_type = ANY (e.event_types) AND o.xid >= e.from_xid)) AS oldest_unfanned,
  (SELECT min(o.created_at) FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.outbox_id
    WHERE d.status IN ('PENDING', 'DELIVERING')) AS oldest_undelivered,
  (SELECT count(*) FROM webhook_deliveries WHERE status = 'PENDING') AS pending,
  (SELECT count(*) FROM webhook_deliveries WHERE status = 'DEAD') AS dead,
  (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM
     (SELECT status, count(*) AS n FROM import_jobs GROUP BY status) j) AS import_jobs,
  clock_timestamp() AS now
"""

IMPORT_STATUSES = ("QUEUED", "RUNNING", "SUCCEEDED", "FAILED")


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@lru_cache(maxsize=1)
def code_revision() -> str | None:
    return head_revision()


def _pool(request: Request) -> Pool:
    resources: Resources = request.app.state.resources
    return resources.pool


async def _database_revision(pool: Pool) -> str | None:
    async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
        async with pool.connection(timeout=PROBE_TIMEOUT_SECONDS) as conn:
            cur = await conn.execute("SELECT version_num FROM alembic_version")
            row = await cur.fetchone()
    return None if row is None else str(row["version_num"])


async def readyz(request: Request) -> JSONResponse:
    """Ready to take traffic: the database answers within 2 s and is migrated to the code's
    head. 503 otherwise, with the reason."""
    try:
        revision = await _database_revision(_pool(request))
    except Exception as error:  # unreachable, timed out, pool closed, no alembic_version
        logger.warning("readiness: database unavailable: %s", type(error).__name__)
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, 503)
    expected = code_revision()
    if revision != expected:
        migrations = {"database": revision, "code": expected}
        return JSONResponse({"status": "unavailable", "migrations": migrations}, 503)
    return JSONResponse({"status": "ready", "migration": revision})


class _Snapshot(Collector):
    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> list[Metric]:
        return self.families


async def database_families(conn: Conn) -> list[Metric]:
    cur = await conn.execute(DATABASE_FIGURES)
    row = await cur.fetchone()
    assert row is not None
    now = row["now"]
    waiting = [at for at in (row["oldest_unfanned"], row["oldest_undelivered"]) if at is not None]
    lag = max((now - at).total_seconds() for at in waiting) if waiting else 0.0
    families: list[Metric] = [
        CounterMetricFamily(
            "exchange_ledger_postings_inserted",
            "Postings inserted into the ledger (PostgreSQL's table statistics: every writer"
            " process; reset by a server crash).",
            value=int(row["postings"] or 0),
        ),
        CounterMetricFamily(
            "exchange_ledger_entries_inserted",
            "Journal entries inserted into the ledger (PostgreSQL's table statistics).",
            value=int(row["entries"] or 0),
        ),
        GaugeMetricFamily(
            "exchange_outbox_lag_seconds",
            "Age of the oldest event not yet delivered to a subscribed webhook endpoint"
            " (0 when none waits).",
            value=max(lag, 0.0),
        ),
        GaugeMetricFamily(
            "exchange_webhook_deliveries_pending",
            "Webhook deliveries waiting for an attempt.",
            value=int(row["pending"]),
        ),
        GaugeMetricFamily(
            "exchange_webhook_dead_letters",
            "Webhook deliveries that gave up after the last retry (replayable).",
            value=int(row["dead"]),
        ),
    ]
    jobs = GaugeMetricFamily("exchange_import_jobs", "Import jobs by status.", labels=["status"])
    counts = row["import_jobs"]
    for status in sorted({*IMPORT_STATUSES, *counts}):
        jobs.add_metric([status], int(counts.get(status, 0)))
    families.append(jobs)
    return families


async def metrics(request: Request) -> Response:
    body = process_metrics()
    try:
        async with asyncio.timeout(PROBE_TIMEOUT_SECONDS):
            async with _pool(request).connection(timeout=PROBE_TIMEOUT_SECONDS) as conn:
                families = await database_families(conn)
    except Exception as error:
        logger.warning("metrics: database figures unavailable: %s", type(error).__name__)
        families = []
    up = GaugeMetricFamily(
        "exchange_database_up",
        "1 when the database answered this scrape.",
        value=int(bool(families)),
    )
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot([*families, up]))
    return Response(body + generate_latest(registry), media_type=CONTENT_TYPE)
