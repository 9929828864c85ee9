"""The gateway under test: ``uvicorn exchange.gateway.app:create_app --factory --workers N``
in its own process, on a free port, against a scratch database migrated and seeded here."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from bench import memory
from bench.run import Run, run_async
from bench.seed import Coalition, link_all, seed
from exchange.kit.settings import get_settings
from exchange.migrations import upgrade

STARTUP_SECONDS = 60.0


@dataclass(frozen=True)
class Gateway:
    base_url: str
    database_url: str
    coalition: Coalition
    pid: int
    workers: int

    @property
    def graphql_url(self) -> str:
        return f"{self.base_url}/graphql"

    def peak_rss_mb(self) -> float | None:
        """Peak RSS of the worker processes together (the supervisor does no work)."""
        peaks = [memory.peak_rss_mb(child) for child in memory.children(self.pid)]
        known = [peak for peak in peaks if peak is not None]
        return sum(known) if known else None

    def journal_entries(self) -> int:
        with psycopg.connect(self.database_url, autocommit=True) as conn:
            row = conn.execute("SELECT count(*) FROM journal_entries").fetchone()
        assert row is not None
        return int(row[0])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(process: subprocess.Popen[bytes], base_url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the gateway exited at start:\n{log.read_text()[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/healthz", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"the gateway did not answer within {STARTUP_SECONDS:.0f} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextlib.contextmanager
def serving(
    run: Run, purpose: str, *, partners: int, hot_partner_index: int | None = None
) -> Iterator[Gateway]:
    """A migrated, seeded scratch database and the gateway serving it; both gone afterwards."""
    size = run.size
    currency = get_settings().currency
    with run.server.scratch_database(purpose) as url, tempfile.TemporaryDirectory() as tmp:
        upgrade(url)

        async def prepare() -> Coalition:
            async with run.pool(url) as pool:
                coalition = await seed(
                    pool, partners=partners, members_count=size.members, currency=currency
                )
                if hot_partner_index is not None:
                    await link_all(pool, coalition, hot_partner_index)
                return coalition

        coalition = run_async(prepare())
        port = free_port()
        workers = os.cpu_count() or 1
        log = Path(tmp) / "gateway.log"
        env = {
            **os.environ,
            "EXCHANGE_DATABASE_URL": url,
            # rate limits stay on (their cost is measured) but far above what one key sends
            "EXCHANGE_RATE_LIMIT_PER_SECOND": "1000000",
            "EXCHANGE_RATE_LIMIT_BURST": "5000000",
        }
        with log.open("wb") as out:
            process = subprocess.Popen(  # noqa: S603 - this interpreter, fixed arguments
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "exchange.gateway.app:create_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(workers),
                    # a worker starved of CPU by the load must not be taken for hung and killed
                    "--timeout-worker-healthcheck",
                    "60",
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        try:
            base_url = f"http://127.0.0.1:{port}"
            _wait_until_up(process, base_url, log)
            yield Gateway(
                base_url=base_url,
                database_url=url,
                coalition=coalition,
                pid=process.pid,
                workers=workers,
            )
        finally:
            _stop(process)
