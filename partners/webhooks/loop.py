"""The long-running loop of one worker: housekeeping (fan-out, lost leases) on intervals,
claims in batches while there is room in flight, outcomes handed to the recorder as
attempts finish.

A claim is one statement, so the loop claims only when at least ``low_water`` attempts may
start (half a batch): a claim per finished attempt would cost a round trip per delivery.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from partners.webhooks import delivery, fanout
from partners.webhooks.delivery import Job
from partners.webhooks.recorder import Recorder

if TYPE_CHECKING:
    from partners.webhooks.worker import Worker

logger = logging.getLogger("exchange.webhooks")
REPORT_SECONDS = 60.0
LABELS = {"SUCCEEDED": "delivered", "PENDING": "to retry", "DEAD": "dead"}


class Loop:
    def __init__(self, worker: Worker, recorder: Recorder) -> None:
        self.worker = worker
        self.options = worker.options
        self.recorder = recorder
        self.inflight: set[asyncio.Task[None]] = set()
        self.low_water = max(1, min(self.options.batch, self.options.concurrency) // 2)
        self._room = asyncio.Event()
        self._due = {"fanout": float("-inf"), "reclaim": float("-inf")}
        self._counts: Counter[str] = Counter()
        self._reported = time.monotonic()

    @property
    def room(self) -> int:
        return self.options.concurrency - len(self.inflight)

    async def _every(
        self, name: str, interval: float, work: Callable[[], Awaitable[object]]
    ) -> None:
        if time.monotonic() < self._due[name]:
            return
        self._due[name] = time.monotonic() + interval
        try:
            await work()
        except Exception:
            logger.exception("webhook %s failed; retrying at the next tick", name)

    async def _housekeeping(self) -> None:
        pool, clock = self.worker.pool, self.worker.clock
        await self._every(
            "fanout", self.options.fanout_interval, lambda: fanout.fan_out(pool, now=clock())
        )
        await self._every(
            "reclaim", self.options.reclaim_interval, lambda: delivery.reclaim(pool, now=clock())
        )

    async def _deliver(self, job: Job, ed25519: list[Ed25519PrivateKey]) -> None:
        outcome = await self.worker.attempt(job, ed25519)
        self._counts[outcome.status] += 1
        self.recorder.add(outcome)

    def _report(self) -> None:
        """One line a minute: what the worker did (never what it sent)."""
        if time.monotonic() - self._reported < REPORT_SECONDS:
            return
        self._reported = time.monotonic()
        if self._counts:
            done = ", ".join(f"{n} {LABELS[status]}" for status, n in sorted(self._counts.items()))
            logger.info("webhook attempts in the last minute: %s", done)
            self._counts.clear()

    def _finished(self, task: asyncio.Task[None]) -> None:
        self.inflight.discard(task)
        if self.room >= self.low_water:
            self._room.set()

    async def _claim_and_start(self, asked: int) -> int:
        try:
            jobs = await self.worker.claim(asked)
            ed25519 = await self.worker.signers(jobs)
        except Exception:
            logger.exception("claiming webhook deliveries failed; retrying")
            return 0
        for job in jobs:
            task = asyncio.create_task(self._deliver(job, ed25519))
            self.inflight.add(task)
            task.add_done_callback(self._finished)
        return len(jobs)

    async def _pause(self, event: asyncio.Event) -> None:
        """Until ``event`` is set, or the poll interval passes (housekeeping goes on)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), self.options.poll_interval)

    async def _step(self, stop: asyncio.Event) -> None:
        await self._housekeeping()
        self._report()
        if self.room < self.low_water:
            self._room.clear()
            await self._pause(self._room)
            return
        asked = min(self.room, self.options.batch)
        if await self._claim_and_start(asked) < asked:
            await self._pause(stop)  # nothing more is due yet

    async def run(self, stop: asyncio.Event) -> None:
        async with self.recorder:
            while not stop.is_set():
                await self._step(stop)
            if self.inflight:
                await asyncio.wait(self.inflight, timeout=self.options.deadline + 1)
