"""``python -m bench.guard_overhead``: what the gateway's per-request hooks cost (issue 9),
as a micro-benchmark: the request log line and metrics, the operation label, the query cost,
the rate limit (with leases, and the shared row alone), and earns end to end with rate
limits on and off (in-process, httpx's ASGI transport, on a scratch embedded server).

Figures on a busy 2-core machine are noisy: it prints the load average beside them."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import secrets
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import httpx
from graphql import get_operation_ast, parse

from exchange.gateway.app import create_app_for
from exchange.gateway.cost import operation_cost
from exchange.gateway.middleware import RequestFacts, _record
from exchange.gateway.operations import label
from exchange.gateway.rate_limit import Limits, RateLimiter
from exchange.gateway.schema import build_schema
from exchange.kit import embedded
from exchange.kit.db import Pool, ensure_database, open_pool, transaction, with_database
from exchange.kit.ids import to_global_id
from exchange.kit.logs import JsonFormatter
from exchange.kit.settings import Settings
from exchange.ledger import members
from exchange.migrations import upgrade
from partners import registry

EARN = (
    "mutation($i: EarnPointsInput!) { earnPoints(input: $i) { transaction { id points }"
    " userErrors { code } } }"
)
UNUSED_URL = "postgresql://unused/by-the-benchmark"


def micro(name: str, work: Callable[[], object], n: int = 20_000) -> None:
    seconds = timeit.timeit(work, number=n)
    print(f"{name}: {seconds / n * 1e6:.1f} µs")


def in_process() -> None:
    handler = logging.StreamHandler(io.StringIO())
    handler.setFormatter(JsonFormatter())
    logging.getLogger("exchange.access").addHandler(handler)
    logging.getLogger("exchange.access").setLevel(logging.INFO)
    logging.getLogger("exchange.access").propagate = False
    scope = {"path": "/graphql", "method": "POST"}
    facts = RequestFacts("0123456789abcdef", "earnPoints", "partner", 12)
    micro("request log line and metrics", lambda: _record(scope, facts, 200, 0.002))
    document = parse(EARN)
    operation = get_operation_ast(document)
    assert operation is not None
    micro("operation label", lambda: label(operation))
    schema = build_schema(Settings(database_url=UNUSED_URL))._schema
    micro("query cost of an earn (uncached)", lambda: operation_cost(schema, operation, {}, {}))


async def seeded(pool: Pool) -> tuple[str, int]:
    async with transaction(pool) as conn:
        partner, key = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="BENCH",
                name="Bench",
                earn_rate=Decimal(1),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        member = await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner.id, now=datetime.now(UTC)
        )
    return key.secret, member


async def limiter_costs(pool: Pool) -> None:
    limiter = RateLimiter(Limits(per_second=10_000, burst=50_000))
    n = 2000
    started = time.perf_counter()
    for _ in range(n):
        await limiter.take(pool, "bench:lease", 22)
    per = (time.perf_counter() - started) / n * 1e6
    print(f"rate limit with leases (defaults, cost 22): {per:.1f} µs a request")
    started = time.perf_counter()
    for _ in range(n):
        await limiter._take_shared(pool, "bench:row", 22_000, 22_000)
    per = (time.perf_counter() - started) / n * 1e6
    print(f"rate limit, the shared row alone: {per:.1f} µs a request")


async def earns(pool: Pool, secret: str, member: int, rounds: int = 6, each: int = 200) -> None:
    modes = {
        "off": Settings(database_url=UNUSED_URL, rate_limit_per_second=0),
        "on": Settings(database_url=UNUSED_URL),
    }
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    headers = {"Authorization": f"Bearer {secret}"}
    for _ in range(rounds):
        for mode, settings in modes.items():
            transport = httpx.ASGITransport(app=create_app_for(pool, settings))
            async with httpx.AsyncClient(transport=transport, base_url="http://b") as client:
                started = time.perf_counter()
                for _ in range(each):
                    variables = {
                        "i": {
                            "memberId": to_global_id("Member", member),
                            "amount": {"amount": "1.00", "currency": "EUR"},
                            "idempotencyKey": secrets.token_hex(8),
                        }
                    }
                    response = await client.post(
                        "/graphql", json={"query": EARN, "variables": variables}, headers=headers
                    )
                    assert response.status_code == 200, response.text
                times[mode].append((time.perf_counter() - started) / each * 1e3)
    for mode, measured in times.items():
        rounds_text = ", ".join(f"{value:.2f}" for value in measured)
        print(
            f"earn end to end, rate limits {mode}: median {statistics.median(measured):.2f} ms"
            f" ({rounds_text})"
        )


async def with_database_server() -> None:
    server = embedded.start(Path(tempfile.mkdtemp(prefix="bench-guard-")) / "data")
    name = f"bench_guard_{secrets.token_hex(3)}"
    ensure_database(server, name)
    url = with_database(server, name)
    upgrade(url)
    pool = await open_pool(url, size=4)
    try:
        secret, member = await seeded(pool)
        await limiter_costs(pool)
        await earns(pool, secret, member)
    finally:
        await pool.close()
        embedded.stop()


def main() -> None:
    print(f"load average: {os.getloadavg()[0]:.2f} (2 cores)")
    in_process()
    asyncio.run(with_database_server())


if __name__ == "__main__":
    main()
