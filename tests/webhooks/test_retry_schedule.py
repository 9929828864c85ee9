"""A receiver that fails: the schedule is followed to the second (a hand-moved clock, never
a sleep), every attempt is recorded, Retry-After and 410 are honoured, nothing is lost and
dead letters come back on replay with the same ``webhook-id``."""

from __future__ import annotations

from datetime import timedelta

from webhooks_support import Reply, attempts_of, deliveries_of, earn, free_port, one_row

from partners.webhooks import replay
from partners.webhooks.schedule import MAX_ATTEMPTS, RETRY_DELAYS


async def _one_delivery(pool, endpoint_id):
    [delivery] = await deliveries_of(pool, endpoint_id)
    return delivery


async def test_a_failing_receiver_gets_the_whole_schedule_then_a_dead_letter_that_replays(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(default=Reply(500, body="try later"))
    endpoint, _ = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    started = clock()
    async with make_worker() as worker:
        await worker.run_once()  # attempt 1, at once
        for attempt, delay in enumerate(RETRY_DELAYS, start=2):
            delivery = await _one_delivery(pool, endpoint.id)
            assert delivery["status"] == "PENDING"
            assert delivery["next_attempt_at"] == clock() + delay
            clock.advance(seconds=delay.total_seconds() - 1)
            assert (await worker.run_once()).attempted == 0  # a second early: nothing
            clock.advance(seconds=1)
            assert (await worker.run_once()).attempted == 1
            assert len(receiver.at(hook)) == attempt
        clock.advance(days=3)
        assert (await worker.run_once()).attempted == 0

    delivery = await _one_delivery(pool, endpoint.id)
    assert delivery["status"] == "DEAD" and delivery["attempts"] == MAX_ATTEMPTS
    attempts = await attempts_of(pool, delivery["id"])
    assert [a["attempt"] for a in attempts] == list(range(1, MAX_ATTEMPTS + 1))
    assert {a["http_status"] for a in attempts} == {500}
    assert {a["response_snippet"] for a in attempts} == {"try later"}
    assert attempts[-1]["attempted_at"] - started == sum(RETRY_DELAYS, timedelta())
    assert len({got.headers["webhook-id"] for got in receiver.at(hook)}) == 1

    hook.default = Reply(204)
    replayed = await replay.replay_dead_letters(
        pool, endpoint_id=endpoint.id, scope=partner.id, now=clock()
    )
    assert replayed == 1
    async with make_worker() as worker:
        await worker.run_once()
    delivery = await _one_delivery(pool, endpoint.id)
    assert delivery["status"] == "SUCCEEDED" and delivery["attempts"] == MAX_ATTEMPTS + 1
    assert len({got.headers["webhook-id"] for got in receiver.at(hook)}) == 1
    assert all(got.verified for got in receiver.at(hook))


async def test_jitter_only_ever_delays_and_by_at_most_a_tenth(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(default=Reply(500))
    endpoint, _ = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    async with make_worker(jitter=lambda: 0.999) as worker:
        await worker.run_once()
    delivery = await _one_delivery(pool, endpoint.id)
    waited = delivery["next_attempt_at"] - clock()
    assert timedelta(seconds=5) < waited < timedelta(seconds=5.5)


async def test_a_receiver_that_is_down_or_slow_is_retried_and_nothing_is_lost(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    down, _ = await make_endpoint(partner, url=f"http://127.0.0.1:{free_port()}/hooks/down")
    slow_hook = receiver.hook(script=[Reply(200, delay=2.0)])
    slow, _ = await make_endpoint(partner, slow_hook)
    await earn(pool, partner.id, member)
    async with make_worker(deadline=0.5) as worker:
        await worker.run_once()

    refused = await attempts_of(pool, (await _one_delivery(pool, down.id))["id"])
    assert refused[0]["http_status"] is None and "ConnectError" in refused[0]["error"]
    timed_out = await attempts_of(pool, (await _one_delivery(pool, slow.id))["id"])
    assert timed_out[0]["http_status"] is None and "timeout" in timed_out[0]["error"]
    assert timed_out[0]["latency_ms"] < 1500
    for endpoint in (down, slow):
        assert (await _one_delivery(pool, endpoint.id))["status"] == "PENDING"

    clock.advance(seconds=5)
    async with make_worker(deadline=0.5) as worker:
        await worker.run_once()
    assert (await _one_delivery(pool, slow.id))["status"] == "SUCCEEDED"
    first, second = receiver.at(slow_hook)
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    assert second.verified and second.status == 200


async def test_retry_after_on_429_and_503_is_honoured(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    limited = receiver.hook(script=[Reply(429, headers={"Retry-After": "120"})])
    by_date = receiver.hook(
        script=[Reply(503, headers={"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"})]
    )
    first, _ = await make_endpoint(partner, limited)
    second, _ = await make_endpoint(partner, by_date)
    await earn(pool, partner.id, member)
    async with make_worker() as worker:
        await worker.run_once()
        assert (await _one_delivery(pool, first.id))["next_attempt_at"] == clock() + timedelta(
            seconds=120
        )
        capped = (await _one_delivery(pool, second.id))["next_attempt_at"]
        assert capped == clock() + timedelta(hours=24)  # at most a day, whatever it asks
        clock.advance(seconds=119)
        await worker.run_once()
        assert len(receiver.at(limited)) == 1
        clock.advance(seconds=1)
        await worker.run_once()
    assert len(receiver.at(limited)) == 2
    assert (await _one_delivery(pool, first.id))["status"] == "SUCCEEDED"


async def test_410_gone_disables_the_endpoint_and_dead_letters_what_was_pending(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    hook = receiver.hook(script=[Reply(500), Reply(410)])
    endpoint, _ = await make_endpoint(partner, hook)
    await earn(pool, partner.id, member)
    async with make_worker(batch=1) as worker:
        await worker.run_once()  # the first event: 500, retried in 5 s
        await earn(pool, partner.id, member)
        await worker.run_once()  # the second event: 410 Gone
        state = await one_row(
            pool, "SELECT status, disabled_reason FROM webhook_endpoints WHERE id = %s", endpoint.id
        )
        assert state == {"status": "DISABLED", "disabled_reason": "the receiver answered 410 Gone"}
        assert [d["status"] for d in await deliveries_of(pool, endpoint.id)] == ["DEAD", "DEAD"]
        await earn(pool, partner.id, member)
        clock.advance(hours=1)
        await worker.run_once()
    assert len(await deliveries_of(pool, endpoint.id)) == 2  # nothing new for a gone endpoint
    assert len(receiver.at(hook)) == 2


async def test_many_events_through_a_flaky_receiver_all_arrive(
    pool, receiver, make_partner, make_member, make_endpoint, make_worker, clock
):
    partner = await make_partner()
    members = [
        await make_member(partner, email=f"flaky-{i}-{partner.id}@example.com") for i in range(5)
    ]
    hook = receiver.hook(script=[Reply(500), Reply(503), Reply(502), Reply(429), Reply(500)] * 2)
    endpoint, _ = await make_endpoint(partner, hook)
    for member in members:
        for _ in range(4):
            await earn(pool, partner.id, member)
    async with make_worker(batch=7) as worker:
        for _ in range(10):
            await worker.drain()
            clock.advance(minutes=10)
    deliveries = await deliveries_of(pool, endpoint.id)
    assert len(deliveries) == 20 and {d["status"] for d in deliveries} == {"SUCCEEDED"}
    succeeded = {got.headers["webhook-id"] for got in receiver.at(hook) if got.status == 200}
    assert succeeded == {d["event_id"] for d in deliveries}
    sequences: dict[str, list[int]] = {}
    for got in receiver.at(hook):
        if got.status == 200:
            data = got.event["data"]
            sequences.setdefault(data["memberId"], []).append(data["memberSequence"])
    assert all(sorted(seqs) == [1, 2, 3, 4] for seqs in sequences.values())
