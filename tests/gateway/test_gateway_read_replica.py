"""Reads from a real streaming replica (started by the test from the embedded server's own
binaries), with read-your-writes: while the replica's replay is paused, a partner that just
earned reads its own earn (from the primary), while another caller reads the replica's older
state; once the replica has replayed the earn, both read it there."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from gateway_support import Api, member_gid, new_key
from replica_support import replay, streaming_replica, wait_for_replay

from exchange.gateway.app import create_app_for
from exchange.gateway.read_routing import HEADER
from exchange.kit.db import Pool, open_pool
from exchange.kit.replica import ReadRouter, WriteMarks, format_lsn, parse_lsn
from exchange.kit.settings import Settings

EARN = (
    "mutation($input: EarnPointsInput!) { earnPoints(input: $input)"
    " { member { balance } userErrors { code } } }"
)
BALANCE = (
    "query($id: ID!) { member(id: $id) { balance }"
    " transactions(memberId: $id) { edges { node { points } } } }"
)


@pytest.fixture(scope="module")
def replica_url(database_url: str) -> Iterator[str]:
    if os.environ.get("EXCHANGE_TEST_DATABASE_URL"):
        pytest.skip("the replica is made from the embedded server's data directory")
    with streaming_replica(database_url, urlsplit(database_url).path.lstrip("/")) as url:
        yield url


@pytest.fixture
async def replica_pool(replica_url: str) -> AsyncIterator[Pool]:
    opened = await open_pool(replica_url, size=4)
    yield opened
    await opened.close()


@asynccontextmanager
async def gateway(pool: Pool, replica_pool: Pool, replica_url: str) -> AsyncIterator[Any]:
    """A gateway process of its own (its own write marks) reading from the replica."""
    settings = Settings(database_url="postgresql://unused", read_replica_url=replica_url)
    app = create_app_for(pool, settings)
    router = ReadRouter(pool, replica_pool, WriteMarks())
    app.state.resources.router = router
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        yield client, router


async def balance(api: Api, member: str, **headers: str) -> tuple[int, list[int]]:
    response = await api.post(BALANCE, {"id": member}, headers=headers)
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    points = [edge["node"]["points"] for edge in data["transactions"]["edges"]]
    return data["member"]["balance"], points


async def test_reads_go_to_the_replica_and_a_writer_reads_its_own_write(
    pool, database_url, replica_url, replica_pool, make_partner, make_member, staff_key
):
    partner = await make_partner()
    member = member_gid(await make_member(partner))
    admin_secret = await staff_key("admin")
    await asyncio.to_thread(wait_for_replay, replica_url, database_url)
    async with gateway(pool, replica_pool, replica_url) as (client, router):
        writer, other = Api(client, partner.key.secret), Api(client, admin_secret)
        assert await balance(writer, member) == (0, [])
        await asyncio.to_thread(replay, replica_url, paused=True)
        try:
            earn = {
                "memberId": member,
                "amount": {"amount": "25.00", "currency": "EUR"},
                "idempotencyKey": new_key(),
            }
            response = await writer.post(EARN, {"input": earn})
            payload = response.json()["data"]["earnPoints"]
            assert payload == {"member": {"balance": 25}, "userErrors": []}
            position = response.headers[HEADER]
            assert parse_lsn(position) is not None

            # the writer reads its own earn at once (the primary: the replica is paused) ...
            assert await balance(writer, member) == (25, [25])
            # ... while another caller reads the replica, which has not replayed it yet
            assert await balance(other, member) == (0, [])

            # another gateway process knows nothing of the write, but honours the position
            # the writer sends back; without it the writer would read the replica there
            async with gateway(pool, replica_pool, replica_url) as (elsewhere, _):
                there = Api(elsewhere, partner.key.secret)
                assert await balance(there, member, **{HEADER: position}) == (25, [25])
                assert await balance(there, member) == (0, [])
        finally:
            await asyncio.to_thread(replay, replica_url, paused=False)

        await asyncio.to_thread(wait_for_replay, replica_url, database_url)
        assert await balance(other, member) == (25, [25])
        assert await balance(writer, member) == (25, [25])
        # the replica has replayed the writer's earn: its mark is gone, it reads the replica
        assert router.marks.needed(partner_caller(partner.id)) is None
        assert router.replayed_up_to >= parse_lsn(position)


def partner_caller(partner_id: int) -> str:
    return f"partner:{partner_id}"


async def test_a_replica_that_does_not_answer_sends_reads_to_the_primary(pool, tmp_path):
    down = await open_pool(f"postgresql://postgres@/x?host={tmp_path}", size=1, wait=False)
    try:
        router = ReadRouter(pool, down, WriteMarks())
        started = asyncio.get_running_loop().time()
        assert await router.pool_for("partner:1") is pool
        assert asyncio.get_running_loop().time() - started < 5
    finally:
        await down.close()


def test_write_positions_parse_and_marks_are_kept_until_replayed():
    assert parse_lsn("16/B374D848") == (0x16 << 32) | 0xB374D848
    assert format_lsn(parse_lsn("16/B374D848") or 0) == "16/B374D848"
    for bad in (None, "", "16", "x/1", "1/2/3", "0/" + "F" * 20):
        assert parse_lsn(bad) is None
    marks = WriteMarks(capacity=2)
    marks.note("a", 100)
    marks.note("a", 90)  # an older position never lowers the mark
    assert marks.needed("a") == 100
    assert marks.needed("a", claimed=150) == 150  # what the caller sends back counts too
    assert marks.needed("b") is None and marks.needed("b", claimed=7) == 7
    marks.replayed("a", 99)
    assert marks.needed("a") == 100
    marks.replayed("a", 100)
    assert marks.needed("a") is None
    marks.note("a", 1)
    marks.note("b", 2)
    marks.note("c", 3)  # over capacity: the oldest mark goes
    assert (marks.needed("a"), marks.needed("b"), marks.needed("c")) == (None, 2, 3)
