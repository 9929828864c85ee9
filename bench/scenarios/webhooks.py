"""``webhooks``: deliver N events to a local receiver (its own process) with the delivery
worker in this process, then again with the receiver failing 30% of requests.

The events are written straight into the outbox by SQL (one transaction) for one partner
with one HMAC endpoint; the worker fans them out, claims, signs, sends and records as in
production. Figure: deliveries per second of the clean run, from the first claim to the last
recorded success. The failing run moves the worker's clock on (retries are minutes and hours
apart) until nothing is pending, then counts events the receiver never accepted: the goal is
0 lost, with >= 1,000 deliveries/s."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx

from bench.results import Goal, Measurement
from bench.run import Run, run_async
from bench.scenarios import Scenario
from bench.sizes import SECONDS_ENV
from exchange.kit.db import Pool, connection
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import get_settings
from exchange.migrations import upgrade
from partners.webhooks import endpoints
from partners.webhooks.endpoints import NewEndpoint, Policy
from partners.webhooks.transport import ClientOptions
from partners.webhooks.worker import Worker, WorkerOptions

EVENTS = {"quick": 5_000, "default": 50_000}
FAILING = 0.3

OUTBOX_SQL = (
    "INSERT INTO outbox_events (event_id, event_type, partner_id, payload, created_at)"
    " SELECT 'evt_bench_' || %(run)s || '_' || i, 'points.earned', %(partner)s,"
    "        jsonb_build_object('type', 'points.earned', 'id', 'evt_bench_' || i,"
    "                           'createdAt', now(), 'partnerId', %(partner)s,"
    "                           'data', jsonb_build_object('points', i, 'memberSequence', i)),"
    "        now()"
    " FROM generate_series(1, %(count)s::int) i"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def receiver(fail_share: float) -> Iterator[str]:
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own module
        [sys.executable, "-m", "bench.receiver", str(port), str(fail_share)]
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                httpx.get(f"{base}/stats", timeout=1)
                break
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)


async def _setup(pool: Pool, box: SecretBox, url: str, count: int, run: str) -> int:
    async with connection(pool) as conn:
        cur = await conn.execute(
            "INSERT INTO partners (code, name, earn_rate) VALUES (%s, 'Bench', 1) RETURNING id",
            (f"WH{run.upper()}",),
        )
        row = await cur.fetchone()
    assert row is not None
    partner_id = int(row["id"])
    await endpoints.create(
        pool,
        box,
        Policy(production=False, allow_private=True),
        partner_id=partner_id,
        new=NewEndpoint(url, ["points.earned"], "HMAC_SHA256"),
        now=datetime.now(UTC),
        caller="bench",
    )
    async with connection(pool) as conn:
        await conn.execute(OUTBOX_SQL, {"run": run, "partner": partner_id, "count": count})
    return partner_id


async def _count(pool: Pool, status: str) -> int:
    async with connection(pool) as conn:
        cur = await conn.execute(
            "SELECT count(*) AS n FROM webhook_deliveries WHERE status = %s", (status,)
        )
        row = await cur.fetchone()
    return 0 if row is None else int(row["n"])


async def _stats(base: str) -> dict[str, int]:
    async with httpx.AsyncClient() as client:
        answer: dict[str, int] = (await client.get(f"{base}/stats")).json()
    return answer


def _options() -> WorkerOptions:
    return WorkerOptions(client=ClientOptions(allow_private=True))


async def _clean_run(pool: Pool, box: SecretBox, count: int) -> float:
    stop = asyncio.Event()
    async with Worker(pool, box, _options()) as worker:
        running = asyncio.create_task(worker.run(stop))
        started = time.perf_counter()
        while await _count(pool, "SUCCEEDED") < count:  # noqa: ASYNC110 - the database says
            await asyncio.sleep(0.05)
        elapsed = time.perf_counter() - started
        stop.set()
        await running
    return elapsed


class Moving:
    """The worker's clock, moved a day on whenever the caller says so (retries come due)."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def _failing_run(pool: Pool, box: SecretBox) -> tuple[int, int]:
    moving = Moving()
    async with Worker(pool, box, _options(), clock=moving) as worker:
        for _ in range(40):
            await worker.drain(rounds=100_000)
            if await _count(pool, "PENDING") == 0:
                break
            moving.offset += timedelta(days=1)
    return await _count(pool, "DEAD"), await _count(pool, "PENDING")


def measure(run: Run) -> Measurement:
    count = 1_000 if os.environ.get(SECONDS_ENV) else EVENTS[run.size.name]
    box = SecretBox.from_settings(get_settings())
    with run.server.scratch_database("webhooks") as url:
        upgrade(url)

        async def go() -> dict[str, float]:
            async with run.pool(url, size=8) as pool:
                with receiver(0.0) as base:
                    await _setup(pool, box, f"{base}/hook", count, "clean")
                    seconds = await _clean_run(pool, box, count)
                    clean = await _stats(base)
                async with connection(pool) as conn:
                    await conn.execute("UPDATE webhook_endpoints SET status = 'DISABLED'")
                with receiver(FAILING) as base:
                    await _setup(pool, box, f"{base}/hook", count, "failing")
                    dead, pending = await _failing_run(pool, box)
                    failing = await _stats(base)
            return {
                "seconds": seconds,
                "clean_accepted": clean["accepted"],
                "failing_accepted": failing["accepted"],
                "refused": failing["refused"],
                "dead": dead,
                "pending": pending,
            }

        found = run_async(go())
    lost = count - int(found["failing_accepted"])
    rate = count / found["seconds"] if found["seconds"] else 0.0
    return Measurement(
        figure=round(rate, 1),
        unit="deliveries/s",
        ratio=round(rate / 1000, 3),
        divide_by_baseline=False,
        notes=[
            f"{count:,} events to one HMAC endpoint in {found['seconds']:.1f} s"
            f" ({int(found['clean_accepted']):,} accepted); ratio = deliveries/s / 1,000",
            f"receiver failing {FAILING:.0%}: {int(found['refused']):,} requests refused,"
            f" {int(found['failing_accepted']):,} of {count:,} events accepted in the end,"
            f" {lost} lost, {int(found['dead'])} dead letters, {int(found['pending'])} pending",
            "receiver: uvicorn in its own process, no signature check; worker in this process",
        ],
    )


SCENARIO = Scenario(name="webhooks", goal=Goal(ratio_at_least=1.0), measure=measure)
