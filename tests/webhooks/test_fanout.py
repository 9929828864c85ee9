"""Fan-out by transaction-id horizon: an event whose transaction commits after a later one
is still fanned out (a cursor on ids would skip it), events without a partner go nowhere, an
endpoint gets what happens after it was created, and one worker fans out at a time."""

from __future__ import annotations

from datetime import UTC, datetime

from webhooks_support import deliveries_of, earn, earn_in, rows

from exchange.kit.db import transaction
from exchange.ledger import members
from partners.webhooks import fanout


async def _outbox_id(pool, transaction_id):
    [row] = await rows(pool, "SELECT id FROM outbox_events WHERE entry_id = %s", transaction_id)
    return row["id"]


async def test_an_event_that_commits_late_is_not_skipped(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    early, late = await make_member(partner), await make_member(partner)
    endpoint, _ = await make_endpoint(partner, receiver.hook())
    async with pool.connection() as slow:
        async with slow.transaction():
            first = await earn_in(slow, partner.id, early)  # written first, committed last
            second = await earn(pool, partner.id, late)
            cur = await slow.execute(
                "SELECT id FROM outbox_events WHERE entry_id = %s", (first.transaction_id,)
            )
            first_id = (await cur.fetchone())["id"]
            second_id = await _outbox_id(pool, second.transaction_id)
            assert first_id < second_id  # "id > the last id fanned out" would lose ``first``
            # the horizon stops below the transaction still running: ``second`` waits too
            assert await fanout.fan_out(pool, now=clock()) == 0
        assert await fanout.fan_out(pool, now=clock()) == 2
    delivered = [d["outbox_id"] for d in await deliveries_of(pool, endpoint.id)]
    assert sorted(delivered) == [first_id, second_id]
    assert await fanout.fan_out(pool, now=clock()) == 0  # nothing twice


async def test_an_event_of_a_transaction_that_rolls_back_is_never_sent(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    endpoint, _ = await make_endpoint(partner, receiver.hook())
    async with pool.connection() as conn:
        async with conn.transaction(force_rollback=True):
            await earn_in(conn, partner.id, member)
        await fanout.fan_out(pool, now=clock())
    assert await deliveries_of(pool, endpoint.id) == []


async def test_events_without_a_partner_go_nowhere(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    await make_endpoint(partner, receiver.hook(), event_types=("points.earned",))
    async with transaction(pool) as conn:
        await members.close(conn, member, datetime.now(UTC), reason="moved away")
    await fanout.fan_out(pool, now=clock())
    found = await rows(
        pool,
        "SELECT d.id FROM webhook_deliveries d JOIN outbox_events o ON o.id = d.outbox_id"
        " WHERE o.member_id = %s",
        member,
    )
    assert found == []


async def test_an_endpoint_gets_the_events_after_its_creation(
    pool, receiver, make_partner, make_member, make_endpoint, clock
):
    partner = await make_partner()
    member = await make_member(partner)
    before = await earn(pool, partner.id, member)
    endpoint, _ = await make_endpoint(partner, receiver.hook())
    after = await earn(pool, partner.id, member)
    await fanout.fan_out(pool, now=clock())
    delivered = [d["outbox_id"] for d in await deliveries_of(pool, endpoint.id)]
    assert delivered == [await _outbox_id(pool, after.transaction_id)]
    assert await _outbox_id(pool, before.transaction_id) not in delivered


async def test_one_worker_fans_out_at_a_time(pool, clock):
    async with pool.connection() as holder, holder.transaction():
        await holder.execute("SELECT 1 FROM webhook_fanout_state WHERE id = 1 FOR UPDATE")
        assert await fanout.fan_out(pool, now=clock()) is None
    assert await fanout.fan_out(pool, now=clock()) is not None
