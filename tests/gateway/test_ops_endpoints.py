"""``/healthz``, ``/readyz`` and ``/metrics`` (Prometheus text)."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from datetime import timedelta

import httpx
import pytest
from gateway_support import member_gid, new_key
from metrics_support import parse, scrape, value

from exchange.gateway.app import create_app_for
from exchange.gateway.ops import database_families
from exchange.kit.db import open_pool, transaction
from exchange.migrations import head_revision

EARN = "earnPoints"
POSTINGS = "exchange_ledger_postings_inserted_total"
ENTRIES = "exchange_ledger_entries_inserted_total"


def _client(app: object) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_healthz_answers_without_the_database(client):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_when_migrated(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ready", "migration": head_revision()}


async def test_readyz_is_503_on_an_old_schema(fresh_pool, gateway_settings):
    async with transaction(fresh_pool) as conn:
        await conn.execute("UPDATE alembic_version SET version_num = '0001'")
    async with _client(create_app_for(fresh_pool, gateway_settings)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "migrations": {"database": "0001", "code": head_revision()},
    }


async def test_readyz_is_503_without_a_database(fresh_url, gateway_settings):
    pool = await open_pool(fresh_url, size=1)
    await pool.close()
    async with _client(create_app_for(pool, gateway_settings)) as client:
        response = await client.get("/readyz")
        metrics = await client.get("/metrics")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert metrics.status_code == 200
    assert value(parse(metrics.text), "exchange_database_up") == 0


async def earn(api, member: int) -> None:
    await api.ok(
        EARN,
        {
            "memberId": member_gid(member),
            "amount": {"amount": "12.00", "currency": "EUR"},
            "idempotencyKey": new_key(),
        },
        "__typename",
    )


async def test_requests_are_counted_and_timed_by_operation(client, api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    before = await scrape(client)
    await earn(api(partner.key.secret), member)
    await earn(api(partner.key.secret), member)
    await api(partner.key.secret).data("{ a: transactions(first: 1) { edges { cursor } } }")
    await api(None).post("{ transactions(first: 1) { edges { cursor } } }")
    await client.get("/readyz")
    after = await scrape(client)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("exchange_http_requests_total", operation=EARN, status="200") == 2
    assert delta("exchange_http_request_duration_seconds_count", operation=EARN) == 2
    assert delta("exchange_http_request_duration_seconds_sum", operation=EARN) > 0
    assert delta("exchange_http_requests_total", operation="transactions", status="200") == 1
    assert delta("exchange_http_requests_total", operation="graphql", status="401") == 1
    # probes and scrapes are not requests of the API
    assert all(
        dict(labels).get("operation") not in {"readyz", "metrics", "healthz"} for _, labels in after
    )


async def test_database_figures(fresh_pool, make_partner):
    """A worked example on a database of its own: an event 45 s old still waiting for an
    endpoint's delivery, and one not even fanned out for 30 s; two import jobs."""
    async with transaction(fresh_pool) as conn:
        partner = await _partner(conn)
        await conn.execute(
            "INSERT INTO webhook_endpoints (partner_id, url, event_types, signing, status,"
            " created_at, updated_at) VALUES (%s, 'https://hooks.test/x', '{points.earned}',"
            " 'ED25519', 'ACTIVE', now(), now())",
            (partner,),
        )
        cur = await conn.execute(
            "INSERT INTO outbox_events (event_id, event_type, partner_id, payload, created_at)"
            " VALUES ('evt_1', 'points.earned', %s, '{}', now() - interval '45 seconds'),"
            "        ('evt_2', 'points.earned', %s, '{}', now() - interval '10 seconds')"
            " RETURNING id",
            (partner, partner),
        )
        first = (await cur.fetchone())["id"]
        await conn.execute(
            "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,"
            " next_attempt_at, created_at, updated_at)"
            " SELECT %s, id, partner_id, 'PENDING', now(), now(), now() FROM webhook_endpoints",
            (first,),
        )
        await conn.execute(
            "INSERT INTO import_jobs (partner_id, status, format) VALUES"
            " (%s, 'RUNNING', 'CSV'), (%s, 'FAILED', 'CSV'), (%s, 'FAILED', 'JSONL')",
            (partner, partner, partner),
        )
    async with fresh_pool.connection() as conn:
        families = {family.name: family for family in await database_families(conn)}
    lag = families["exchange_outbox_lag_seconds"].samples[0].value
    assert 45 <= lag < 45 + timedelta(minutes=1).total_seconds()
    assert families["exchange_webhook_deliveries_pending"].samples[0].value == 1
    jobs = {s.labels["status"]: s.value for s in families["exchange_import_jobs"].samples}
    assert jobs == {"QUEUED": 0, "RUNNING": 1, "SUCCEEDED": 0, "FAILED": 2}


async def _partner(conn) -> int:
    cur = await conn.execute(
        "INSERT INTO partners (code, name, earn_rate) VALUES ('OPS', 'Ops', 1) RETURNING id"
    )
    return int((await cur.fetchone())["id"])


async def test_ledger_rows_written_are_counted(client, api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    before = await scrape(client)
    await earn(api(partner.key.secret), member)
    # a backend hands its table statistics to the server within about a second
    deadline = time.monotonic() + 5
    while True:
        after = await scrape(client)
        written = value(after, POSTINGS) - value(before, POSTINGS)
        if written >= 2 or time.monotonic() > deadline:
            break
        await asyncio.sleep(0.1)
    assert written >= 2  # the member's and the issuer's posting (other tests may add more)
    assert value(after, ENTRIES) > value(before, ENTRIES)
    assert value(after, "exchange_database_up") == 1


SUBPROCESS = textwrap.dedent(
    """
    import sys
    from exchange.kit.metrics import REQUESTS
    REQUESTS.labels("earnPoints", "200").inc(int(sys.argv[1]))
    """
)


@pytest.mark.slow
def test_several_processes_are_summed(tmp_path, monkeypatch):
    """Each uvicorn worker writes its samples to PROMETHEUS_MULTIPROC_DIR; any one of them
    answers /metrics with the sum (here: two processes, then a third scrapes)."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    for count in ("3", "4"):
        subprocess.run([sys.executable, "-c", SUBPROCESS, count], check=True)
    scraped = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from exchange.kit.metrics import process_metrics;"
            " sys.stdout.write(process_metrics().decode())",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    samples = parse(scraped)
    assert value(samples, "exchange_http_requests_total", operation=EARN, status="200") == 7
