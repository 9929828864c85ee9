"""What one ``python -m bench`` invocation shares between its scenarios."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from bench.baseline import PgbenchRun, run_pgbench
from bench.server import Server
from bench.sizes import Size
from exchange.kit.db import Pool, open_pool

T = TypeVar("T")
POOL_SIZE = 8


@dataclass
class Run:
    server: Server
    size: Size
    pgbench: PgbenchRun | None = None
    gateway_rate: float | None = None
    """Mutations/s the ``gateway`` scenario measured in this invocation (``balance`` uses it)."""

    def baseline(self) -> PgbenchRun:
        """pgbench on the same server, measured once per invocation."""
        if self.pgbench is None:
            self.pgbench = run_pgbench(self.server, self.size)
        return self.pgbench

    @contextlib.asynccontextmanager
    async def pool(self, url: str, size: int = POOL_SIZE) -> AsyncIterator[Pool]:
        pool = await open_pool(url, size=size)
        try:
            yield pool
        finally:
            await pool.close()


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run on uvloop when installed (as uvicorn does), else on asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)
