"""Many workers: claims never overlap, each event is delivered once when nothing fails, a
worker killed mid-delivery leaves its delivery to be sent again (same ``webhook-id``), and a
worker that outlived its lease changes nothing."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta

from webhooks_support import SECRET_KEY, Reply, attempts_of, deliveries_of, earn, eventually

from partners.webhooks import delivery, fanout
from partners.webhooks.delivery import LOST, Outcome


async def _events(pool, partner, member, count):
    for _ in range(count):
        await earn(pool, partner.id, member)


async def test_concurrent_claims_are_disjoint(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    endpoint, _ = await make_endpoint(partner, receiver.hook())
    await _events(pool, partner, member, 60)
    await fanout.fan_out(pool, now=clock())
    claims = await asyncio.gather(
        *(delivery.claim(pool, now=clock(), limit=7, lease=timedelta(minutes=1)) for _ in range(12))
    )
    claimed = [job.delivery_id for jobs in claims for job in jobs]
    assert len(claimed) == len(set(claimed)) == 60
    assert {d["status"] for d in await deliveries_of(pool, endpoint.id)} == {"DELIVERING"}


async def test_two_running_workers_deliver_every_event_exactly_once(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker
):
    partner = await make_partner()
    members = [
        await make_member(partner, email=f"two-{i}-{partner.id}@example.com") for i in range(4)
    ]
    hook = receiver.hook(default=Reply(200, delay=0.01))
    endpoint, _ = await make_endpoint(partner, hook)
    for member in members:
        await _events(pool, partner, member, 50)
    stop = asyncio.Event()
    async with (
        make_worker(clock=_now, concurrency=8, batch=10) as one,
        make_worker(clock=_now, concurrency=8, batch=10) as two,
    ):
        running = [asyncio.create_task(w.run(stop)) for w in (one, two)]
        await eventually(lambda: len(receiver.at(hook)) >= 200)
        stop.set()
        await asyncio.gather(*running)

    ids = Counter(got.headers["webhook-id"] for got in receiver.at(hook))
    assert len(ids) == 200 and set(ids.values()) == {1}
    assert all(got.verified for got in receiver.at(hook))
    deliveries = await deliveries_of(pool, endpoint.id)
    assert {d["status"] for d in deliveries} == {"SUCCEEDED"}
    assert {d["attempts"] for d in deliveries} == {1}


def _now():
    return datetime.now(UTC)


async def test_a_worker_killed_mid_delivery_leaves_the_event_to_be_sent_again(
    pool, database_url, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(script=[Reply(200, delay=60)])  # the first answer never comes in time
    endpoint, _ = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    env = {
        **os.environ,
        "EXCHANGE_DATABASE_URL": database_url,
        "EXCHANGE_SECRET_KEY": SECRET_KEY,
        "EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "exchange.cli",
        "worker",
        "--lease",
        "30",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        assert await eventually(lambda: bool(receiver.at(hook))), "the worker never delivered"
    finally:
        worker.send_signal(signal.SIGKILL)
        await worker.wait()
    [stuck] = await deliveries_of(pool, endpoint.id)
    assert stuck["status"] == "DELIVERING" and stuck["attempts"] == 1

    clock.at = stuck["locked_until"] + timedelta(seconds=1)  # past the killed worker's lease
    async with make_worker() as survivor:
        await survivor.run_once()  # recovers the lease
        await survivor.run_once()  # and delivers
    [done] = await deliveries_of(pool, endpoint.id)
    assert done["status"] == "SUCCEEDED" and done["attempts"] == 2
    lost, delivered = await attempts_of(pool, done["id"])
    assert lost["error"] == LOST and delivered["http_status"] == 200
    first, second = receiver.at(hook)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]


async def test_an_outcome_after_the_lease_was_taken_over_changes_nothing(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    endpoint, _ = await make_endpoint(partner, receiver.hook())
    await earn(pool, partner.id, member)
    await fanout.fan_out(pool, now=clock())
    [slow] = await delivery.claim(pool, now=clock(), limit=10, lease=timedelta(seconds=30))
    clock.advance(seconds=31)
    assert await delivery.reclaim(pool, now=clock()) == 1
    [fresh] = await delivery.claim(pool, now=clock(), limit=10, lease=timedelta(seconds=30))
    assert fresh.delivery_id == slow.delivery_id and fresh.attempt == slow.attempt + 1

    def outcome(job, status):
        return Outcome(job.delivery_id, job.attempt, status, clock(), 500, None, 3, None, None)

    assert await delivery.record(pool, [outcome(slow, "DEAD")]) == 0
    assert await delivery.record(pool, [outcome(fresh, "SUCCEEDED")]) == 1
    [row] = await deliveries_of(pool, endpoint.id)
    assert row["status"] == "SUCCEEDED"
    assert len(await attempts_of(pool, row["id"])) == 3  # lost, late, recorded: all kept
