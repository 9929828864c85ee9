"""The delivery worker: fan out, claim due deliveries, send them concurrently over small
keep-alive connection pools, record the outcomes in batches; recover deliveries whose lease
ran out.

Many workers may run (every claim skips locked rows). ``run_once`` does one round and is
what tests drive with an injected clock; ``run`` is the long-running loop, which keeps up to
``concurrency`` attempts in flight and records their outcomes every ``flush_interval``.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from exchange.kit import clock as business_clock
from exchange.kit.db import Pool
from exchange.kit.metrics import WEBHOOK_FAILURES
from exchange.kit.secrets_box import SecretBox
from partners.webhooks import delivery, fanout, targets, transport
from partners.webhooks.attempts import Attempter, Secrets, decide
from partners.webhooks.delivery import Job, Outcome
from partners.webhooks.loop import Loop
from partners.webhooks.recorder import Recorder
from partners.webhooks.schedule import Jitter
from partners.webhooks.sender import Answer
from partners.webhooks.signing_keys import KeyRing
from partners.webhooks.targets import Resolver

logger = logging.getLogger("exchange.webhooks")


@dataclass(frozen=True)
class WorkerOptions:
    concurrency: int = 32
    """Attempts in flight at once (give ``client.max_connections`` as many connections)."""
    batch: int = 100
    """Most deliveries claimed, and outcomes recorded, per statement."""
    lease: timedelta = timedelta(seconds=60)
    """How long a claim is this worker's; after that another worker may deliver again."""
    deadline: float = 15.0
    """Longest one attempt may take, whatever the receiver does."""
    poll_interval: float = 0.2
    fanout_interval: float = 0.2
    reclaim_interval: float = 5.0
    flush_interval: float = 0.02
    client: transport.ClientOptions = field(default_factory=transport.ClientOptions)


@dataclass(frozen=True)
class Round:
    fanned_out: int
    reclaimed: int
    attempted: int
    succeeded: int


class Worker:
    def __init__(
        self,
        pool: Pool,
        box: SecretBox,
        options: WorkerOptions | None = None,
        *,
        clock: Callable[[], datetime] = business_clock.now,
        wall: Callable[[], float] = time.time,
        jitter: Jitter = random.random,
        resolver: Resolver = targets.system_resolver,
        http: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.pool = pool
        self.options = options or WorkerOptions()
        self.clock = clock
        self.keys = KeyRing(box)
        self._secrets = Secrets(box)
        self._wall = wall
        self._jitter = jitter
        self._resolver = resolver
        self._http = http
        self._transports: transport.Transports | None = None

    async def __aenter__(self) -> Worker:
        self._transports = transport.transports(
            self.options.client, resolver=self._resolver, transport=self._http
        )
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._transports is not None:
            await self._transports.aclose()
            self._transports = None

    def _attempter(self) -> Attempter:
        if self._transports is None:
            raise RuntimeError("use the worker as an async context manager")
        return Attempter(
            transports=self._transports,
            secrets=self._secrets,
            clock=self.clock,
            wall=self._wall,
            jitter=self._jitter,
            deadline=self.options.deadline,
        )

    async def signers(self, jobs: list[Job]) -> list[Ed25519PrivateKey]:
        if not any(job.signing == "ED25519" for job in jobs):
            return []
        return await self.keys.signers(self.pool, self.clock())

    async def attempt(self, job: Job, ed25519: list[Ed25519PrivateKey]) -> Outcome:
        try:
            outcome = await self._attempter().attempt(job, ed25519)
        except Exception as error:  # a bad secret, say: retried, never the loop's end
            logger.exception("delivery %s could not be attempted", job.delivery_id)
            answer = Answer(None, f"internal: {type(error).__name__}", 0, None)
            outcome = decide(job, answer, self.clock(), self._jitter)
        if outcome.status != "SUCCEEDED":
            WEBHOOK_FAILURES.labels(outcome.status).inc()
        return outcome

    async def _attempt_all(self, jobs: list[Job]) -> list[Outcome]:
        ed25519 = await self.signers(jobs)
        slots = asyncio.Semaphore(self.options.concurrency)

        async def bounded(job: Job) -> Outcome:
            async with slots:
                return await self.attempt(job, ed25519)

        return list(await asyncio.gather(*(bounded(job) for job in jobs)))

    async def claim(self, limit: int) -> list[Job]:
        return await delivery.claim(
            self.pool, now=self.clock(), limit=limit, lease=self.options.lease
        )

    async def run_once(self) -> Round:
        """Fan out, recover lost leases, then claim one batch, send it and record it."""
        fanned_out = await fanout.fan_out(self.pool, now=self.clock())
        reclaimed = await delivery.reclaim(self.pool, now=self.clock())
        outcomes = await self._attempt_all(await self.claim(self.options.batch))
        await delivery.record(self.pool, outcomes)
        succeeded = sum(1 for outcome in outcomes if outcome.status == "SUCCEEDED")
        return Round(fanned_out or 0, reclaimed, len(outcomes), succeeded)

    async def drain(self, *, rounds: int = 100) -> list[Round]:
        """``run_once`` until a round attempts nothing (tests drive it with their clock)."""
        done = []
        for _ in range(rounds):
            done.append(await self.run_once())
            if done[-1].attempted == 0:
                break
        return done

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver until ``stop`` is set; then let attempts in flight finish and record them."""
        recorder = Recorder(self.pool, self.options.flush_interval, self.options.batch)
        await Loop(self, recorder).run(stop)
