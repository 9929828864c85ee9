"""The web app reads the member's dashboard and history from a real streaming replica, and a
member who just wrote (a transfer) reads it back at once: the write position rides in a
cookie, so even a gateway process that did not see the write honours it."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

import httpx
import pytest
from replica_support import replay, streaming_replica, wait_for_replay
from web_client import CodeLog, WebClient
from webapp_support import Program, base_time

from exchange.gateway.app import create_app_for
from exchange.gateway.webapp.security import READ_AFTER
from exchange.kit.db import Pool, open_pool
from exchange.kit.replica import ReadRouter, WriteMarks
from exchange.kit.settings import Settings

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("EXCHANGE_TEST_DATABASE_URL")),
    reason="the replica is made from the embedded server's data directory",
)


@asynccontextmanager
async def gateway_process(
    primary: Pool, replica: Pool, replica_url: str
) -> AsyncIterator[tuple[httpx.ASGITransport, ReadRouter]]:
    """The app as one gateway process sees it: its own write marks, the replica beside."""
    settings = Settings(database_url="postgresql://unused", read_replica_url=replica_url)
    app = create_app_for(primary, settings)
    router = ReadRouter(primary, replica, WriteMarks())
    app.state.resources.router = router
    yield httpx.ASGITransport(app=app), router


def client(transport: httpx.ASGITransport, codes: CodeLog, **cookies: str) -> WebClient:
    http = httpx.AsyncClient(transport=transport, base_url="http://gateway.test", cookies=cookies)
    return WebClient(http, codes)


def available(page: httpx.Response) -> str:
    found = re.search(r'id="available">([^<]+)<', page.text)
    assert found, page.text
    return found.group(1)


async def test_dashboard_reads_the_replica_and_the_writer_its_own_transfer(
    program: Program, fresh_url: str, fresh_pool: Pool, code_log: CodeLog
):
    fuel = await program.partner("FUEL", earn_rate="2")
    ana_id = await program.member(fuel, email="ana@example.com")
    ben_card = await program.card_of(await program.member(fuel, email="ben@example.com"))
    await program.ledger.earn(ana_id, fuel, "150.00", now=base_time())  # 300 points
    with streaming_replica(fresh_url, urlsplit(fresh_url).path.lstrip("/")) as replica_url:
        replica = await open_pool(replica_url, size=4)
        try:
            async with gateway_process(fresh_pool, replica, replica_url) as (transport, router):
                ana, ben = client(transport, code_log), client(transport, code_log)
                await ana.log_in("ana@example.com")
                await ben.log_in("ben@example.com")
                await asyncio.to_thread(wait_for_replay, replica_url, fresh_url)
                assert available(await ben.get("/app")) == "0"
                await asyncio.to_thread(replay, replica_url, paused=True)
                try:
                    await ana.get("/app/transfer")
                    key = re.search(r'name="key" value="([^"]+)"', ana.last_page)
                    assert key
                    form = {
                        "email": "ben@example.com",
                        "card": ben_card,
                        "points": "120",
                        "key": key.group(1),
                    }
                    sent = await ana.post("/app/transfer", form)
                    assert sent.status_code == 303, sent.text
                    position = sent.cookies[READ_AFTER]
                    assert position.isdigit()

                    # ana reads her transfer back at once (from the primary) ...
                    line = await ana.get(sent.headers["location"])
                    assert line.status_code == 200
                    assert available(await ana.get("/app")) == "180"
                    # ... ben reads the replica, which has not replayed it yet
                    assert available(await ben.get("/app")) == "0"

                    # another gateway process honours ana's cookie; without it, the replica
                    async with gateway_process(fresh_pool, replica, replica_url) as (other, _):
                        session = {"xch_session": ana.client.cookies["xch_session"]}
                        there = client(other, code_log, **session, **{READ_AFTER: position})
                        assert available(await there.get("/app")) == "180"
                        stale = client(other, code_log, **session)
                        assert available(await stale.get("/app")) == "300"
                        history = await stale.get("/app/history")
                        assert history.status_code == 200 and "120" not in history.text
                finally:
                    await asyncio.to_thread(replay, replica_url, paused=False)
                await asyncio.to_thread(wait_for_replay, replica_url, fresh_url)
                assert available(await ben.get("/app")) == "120"
                assert available(await ana.get("/app")) == "180"
                assert router.marks.needed(f"member:{ana_id}") is None
        finally:
            await replica.close()
