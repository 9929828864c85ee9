"""``exchange serve --workers 2``: /metrics sums both worker processes, and every request
is one JSON log line on stderr with its request id."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime

import httpx
import pytest
from test_cli_serve_e2e import free_port

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import members
from exchange.ledger.members import Enrolment
from exchange.migrations import head_revision

REQUESTS = 24
START_TIMEOUT = 60


class TwoWorkers:
    def __init__(self, database_url: str, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("PROMETHEUS_")}
        env.update(
            EXCHANGE_DATABASE_URL=database_url, PYTHONUNBUFFERED="1", EXCHANGE_LOG_FORMAT="json"
        )
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "exchange.cli", "serve", "--workers", "2", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.base = f"http://127.0.0.1:{port}"

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.lines.append(line.rstrip("\n"))

    def wait_ready(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "\n".join(self.lines)
            try:
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        pytest.fail("serve --workers 2 did not become ready:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.mark.slow
async def test_two_workers_share_metrics_and_log_json(database_url, make_partner, pool):
    partner = await make_partner()
    async with transaction(pool) as conn:
        member = await members.enroll(
            conn, enrolment=Enrolment(), partner_id=partner.id, now=datetime.now(UTC)
        )
    served = TwoWorkers(database_url, free_port())
    try:
        await asyncio.to_thread(served.wait_ready)
        query = f'{{ member(id: "{to_global_id("Member", member)}") {{ balance }} }}'
        headers = {"Authorization": f"Bearer {partner.key.secret}"}

        async def one(i: int) -> str:
            async with httpx.AsyncClient(
                base_url=served.base, timeout=30
            ) as client:  # a new connection each
                response = await client.post(
                    "/graphql",
                    json={"query": query},
                    headers={**headers, "X-Request-Id": f"workers-test-{i:04d}"},
                )
                assert response.status_code == 200, response.text
                return response.headers["x-request-id"]

        ids = await asyncio.gather(*(one(i) for i in range(REQUESTS)))
        async with httpx.AsyncClient(base_url=served.base, timeout=10) as client:
            text = (await client.get("/metrics")).text
            ready = (await client.get("/readyz")).json()
    finally:
        await asyncio.to_thread(served.stop)
    assert ready == {"status": "ready", "migration": head_revision()}
    line = f'exchange_http_requests_total{{operation="member",status="200"}} {float(REQUESTS)}'
    assert line in text.splitlines(), text
    logged = [json.loads(line) for line in served.lines if line.startswith("{")]
    access = [entry for entry in logged if entry["logger"] == "exchange.access"]
    assert sorted(entry["request_id"] for entry in access) == sorted(ids)
    assert {entry["operation"] for entry in access} == {"member"}
    assert {entry["principal"] for entry in access} == {"partner"}
    assert partner.key.secret not in "\n".join(served.lines)
