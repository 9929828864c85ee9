"""Outcomes gathered as attempts finish and written in batches: every ``interval`` seconds,
or at once when ``batch`` are waiting. A failed write keeps them for the next one (their
leases may run out meanwhile: the deliveries are then sent again, never lost)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType

from exchange.kit.db import Pool
from partners.webhooks import delivery
from partners.webhooks.delivery import Outcome

logger = logging.getLogger("exchange.webhooks")
RETRY_SECONDS = 1.0
FINAL_TRIES = 3


class Recorder:
    def __init__(self, pool: Pool, interval: float, batch: int) -> None:
        self.pool = pool
        self.interval = interval
        self.batch = batch
        self._waiting: list[Outcome] = []
        self._full = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._stopping = False

    def add(self, outcome: Outcome) -> None:
        self._waiting.append(outcome)
        if len(self._waiting) >= self.batch:
            self._full.set()

    async def flush(self) -> bool:
        """Write what is waiting; False (and kept) when the database refused."""
        if not self._waiting:
            return True
        taken, self._waiting = self._waiting, []
        self._full.clear()
        try:
            await delivery.record(self.pool, taken)
        except Exception:
            logger.exception("recording %d webhook attempts failed; retrying", len(taken))
            self._waiting[:0] = taken
            return False
        return True

    async def _run(self) -> None:
        """Never cancelled in the middle of a write: stopping is a flag it sees between them."""
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._full.wait(), self.interval)
            if not await self.flush() and not self._stopping:
                await asyncio.sleep(RETRY_SECONDS)

    async def __aenter__(self) -> Recorder:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._stopping = True
        self._full.set()
        if self._task is not None:
            await self._task
        for _ in range(FINAL_TRIES):
            if await self.flush():
                return
            await asyncio.sleep(RETRY_SECONDS)
