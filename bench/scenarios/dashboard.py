"""``dashboard``: the member web app's dashboard (``GET /app``) for a member with 10,000 history
entries, server time at p95 (goal: <= 50 ms).

A scratch database gets five partners and one member whose 10,000 earns (one a day-ish over
a year and more, each with its two postings and its lot, none spent: 10,000 open lots, the
worst case for the balance and expiry sums) are written by SQL. The gateway app is called
in-process through ASGI with the member's session cookie, so the time is the server's own:
routing, session lookup, the reads, the template. Requests are sequential after a warm-up.
The history's first page and the balance chart are timed too, in the notes.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx

from bench.results import Goal, Latency, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.sizes import SECONDS_ENV
from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool, connection, transaction
from exchange.kit.settings import Settings
from exchange.ledger import members
from exchange.migrations import upgrade
from exchange.portal import sessions
from exchange.portal.hashing import portal_key
from partners import registry

ENTRIES = 10_000
PARTNERS = 5
REQUESTS = {"quick": 200, "default": 1000}
WARMUP = 20
SETTINGS = Settings(database_url="postgresql://unused/by-bench")

ENTRIES_SQL = """
INSERT INTO journal_entries (kind, member_id, partner_id, points, order_id, reason, occurred_at,
                             posted_at, currency, amount, issue_price, earn_rate)
SELECT 'EARN', %(member)s, %(first)s + i %% %(partners)s, 10 + i %% 7, 'bench-' || i,
       'Purchase ' || (10 + i %% 7) || '.00 EUR', at, at, 'EUR', 10 + i %% 7, 0.01, 1
  FROM generate_series(1, %(entries)s::int) i,
       LATERAL (SELECT %(now)s - (%(entries)s - i) * interval '1 hour' AS at) t
"""
POSTINGS_SQL = """
INSERT INTO postings (entry_id, account_id, points)
SELECT e.id, CASE s WHEN 1 THEN b.account_id ELSE a.id END, s * e.points
  FROM journal_entries e JOIN member_balances b ON b.member_id = e.member_id
  JOIN accounts a ON a.partner_id = e.partner_id AND a.kind = 'PARTNER_ISSUED',
       (VALUES (1), (-1)) signs(s)
 WHERE e.member_id = %(member)s
"""
LOTS_SQL = """
INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining, issue_price,
                  earned_at, available_at, expires_at)
SELECT member_id, partner_id, id, points, points, issue_price, posted_at, posted_at,
       posted_at + interval '500 days'
  FROM journal_entries WHERE member_id = %(member)s
"""
BALANCE_SQL = """
UPDATE member_balances SET balance = (SELECT sum(points) FROM journal_entries
                                       WHERE member_id = %(member)s),
                           seq = %(entries)s
 WHERE member_id = %(member)s
"""


async def _seed(pool: Pool, now: datetime) -> str:
    """The coalition and the member; returns the member's session token."""
    async with transaction(pool) as conn:
        ids = []
        for n in range(PARTNERS):
            partner, _ = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=f"DASH{n}",
                    name=f"Bench partner {n}",
                    earn_rate=Decimal(1 + n),
                    issue_price=Decimal("0.010"),
                    redemption_value=Decimal("0.005") + Decimal(n) / 1000,
                    currency="EUR",
                    point_validity_days=500,
                ),
                now=now - timedelta(days=1000),
            )
            ids.append(partner.id)
        member = await members.enroll(
            conn,
            enrolment=members.Enrolment(email="dashboard@example.com"),
            partner_id=ids[0],
            now=now - timedelta(days=1000),
        )
        params = {
            "member": member,
            "first": min(ids),
            "partners": PARTNERS,
            "entries": ENTRIES,
            "now": now,
        }
        for statement in (ENTRIES_SQL, POSTINGS_SQL, LOTS_SQL, BALANCE_SQL):
            await conn.execute(statement, params)
        token, _ = await sessions.open_session(
            conn,
            member,
            kind="WEB",
            key=portal_key(SETTINGS),
            lifetime=timedelta(days=1),
            now=now,
        )
    async with connection(pool) as conn:
        for table in ("journal_entries", "postings", "lots", "member_balances"):
            await conn.execute(f"VACUUM ANALYZE {table}")
    return token


async def _time(client: httpx.AsyncClient, path: str, count: int) -> Latency:
    for _ in range(WARMUP):
        assert (await client.get(path)).status_code == 200
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = await client.get(path)
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text[:500]
    latency = Latency.of_seconds(samples)
    assert latency is not None
    return latency


async def _measure(pool: Pool, requests: int) -> dict[str, Latency]:
    token = await _seed(pool, datetime.now(UTC))
    app = create_app_for(pool, SETTINGS)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://bench.test",
        cookies={"xch_session": token},
    ) as client:
        return {
            "dashboard": await _time(client, "/app", requests),
            "history": await _time(client, "/app/history", max(20, requests // 4)),
            "chart": await _time(client, "/app/chart", max(20, requests // 4)),
        }


def measure(run: Run) -> Measurement:
    requests = 50 if os.environ.get(SECONDS_ENV) else REQUESTS[run.size.name]
    with run.server.scratch_database("dashboard") as url:
        upgrade(url)

        async def go() -> dict[str, Latency]:
            async with run.pool(url, size=2) as pool:
                return await _measure(pool, requests)

        found = run_async(go())
    dashboard = found["dashboard"]
    return Measurement(
        figure=dashboard.p95,
        unit="p95 ms",
        latency=dashboard,
        divide_by_baseline=False,
        notes=[
            f"GET /app for a member with {ENTRIES:,} history entries and as many open lots,"
            f" {requests} sequential requests in-process (ASGI) after {WARMUP} to warm up:"
            f" p50 {dashboard.p50} ms, p95 {dashboard.p95} ms, p99 {dashboard.p99} ms",
            f"history's first page p95 {found['history'].p95} ms, the 90-day balance chart"
            f" p95 {found['chart'].p95} ms",
            "entries, postings and lots written by SQL into a scratch database",
        ],
    )


SCENARIO = Scenario(name="dashboard", goal=Goal(p95_ms_at_most=50), measure=measure)
