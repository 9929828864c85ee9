"""Crash cycles at moments drawn from the seed: in each cycle the gateway, the worker and the
PostgreSQL server are each SIGKILLed once, in a random order, when the load has reached a
random point of the cycle's share of the operations; each is down for a random while and is
started again (PostgreSQL recovers from its WAL) while the load goes on.

The gateway is killed whole (the supervisor and its workers: one SIGKILL to the process group)
or, half of the time, in one of its worker processes only, which uvicorn's supervisor
replaces."""

from __future__ import annotations

import asyncio
import random
import signal
import time
from dataclasses import dataclass, field

import psutil
from chaos_cluster import Cluster
from load_driver import Driver

TARGETS = ("gateway", "worker", "postgres")
RESTART_SECONDS = 120.0
GRACE_SECONDS = 15.0
"""After PostgreSQL is back, how long the gateway may still answer 503 (pooled connections
that died with the server are found broken one request at a time)."""


@dataclass(frozen=True)
class Kill:
    at_operation: int
    target: str
    downtime: float
    whole: bool
    """The gateway: every process of it (True) or one worker process."""


@dataclass
class Outage:
    kill: Kill
    killed_at: float
    back_at: float = 0.0
    processes: int = 0


def schedule(rng: random.Random, cycles: int, operations: int) -> list[Kill]:
    kills = []
    share = operations // (cycles + 1)  # the last share runs with everything up
    for cycle in range(cycles):
        start = cycle * share + share // 10
        moments = sorted(rng.sample(range(start, (cycle + 1) * share), len(TARGETS)))
        targets = rng.sample(TARGETS, len(TARGETS))
        for moment, target in zip(moments, targets, strict=True):
            kills.append(Kill(moment, target, rng.uniform(0.2, 3.0), rng.random() < 0.5))
    return kills


@dataclass
class Chaos:
    cluster: Cluster
    driver: Driver
    kills: list[Kill]
    outages: list[Outage] = field(default_factory=list)
    exited: list[str] = field(default_factory=list)
    _restarting: bool = False

    async def run(self) -> None:
        for kill in self.kills:
            while self.driver.completed < kill.at_operation:
                if self.driver.finished:
                    return
                await asyncio.sleep(0.02)
            outage = Outage(kill, time.time())
            self.outages.append(outage)
            self._restarting = True
            try:
                outage.processes = await asyncio.to_thread(self._kill, kill)
                await asyncio.sleep(kill.downtime)
                await asyncio.to_thread(self._restart, kill)
            finally:
                self._restarting = False
            outage.back_at = time.time()

    def _kill(self, kill: Kill) -> int:
        if kill.target == "postgres":
            return self.cluster.postgres.kill()
        service = getattr(self.cluster, kill.target)
        if kill.target == "gateway" and not kill.whole:
            workers = self.cluster.gateway_workers_pids()
            if workers:
                psutil.Process(workers[0]).send_signal(signal.SIGKILL)
                return 1
        count = len(service.pids())
        service.kill()
        return count

    def _restart(self, kill: Kill) -> None:
        if kill.target == "postgres":
            self.cluster.postgres.start()
        elif kill.target == "gateway" and not kill.whole:
            self._wait_for_new_gateway_worker()
        elif kill.target == "gateway":
            self.cluster.start_gateway()
        else:
            self.cluster.start_worker()

    def _wait_for_new_gateway_worker(self) -> None:
        """uvicorn's supervisor starts a new worker process by itself."""
        deadline = time.monotonic() + RESTART_SECONDS
        while not self.cluster.gateway_whole():
            if time.monotonic() > deadline:
                raise RuntimeError("the gateway's supervisor did not replace its worker")
            time.sleep(0.2)

    async def watch(self, done: asyncio.Event) -> None:
        """Whatever exits by itself (not killed here) is a finding; it is started again, as
        an orchestrator would, so that the run goes on."""
        while not done.is_set():
            if not self._restarting:
                for service in (self.cluster.gateway, self.cluster.worker):
                    if not service.running:
                        self.exited.append(f"{service.name} exited by itself: {service.tail()}")
                        await asyncio.to_thread(service.start_ready)
            await asyncio.sleep(0.5)

    def unavailable_outside_outages(self, moments: list[float]) -> list[float]:
        """503 answers while the database was up (and had been for the grace)."""
        windows = [
            (o.killed_at, o.back_at + GRACE_SECONDS)
            for o in self.outages
            if o.kill.target == "postgres"
        ]
        return [t for t in moments if not any(start <= t <= end for start, end in windows)]

    def describe(self) -> str:
        return "; ".join(
            f"{o.kill.target}{'' if o.kill.whole or o.kill.target != 'gateway' else ' (1 worker)'}"
            f" at op {o.kill.at_operation}, {o.processes} processes,"
            f" down {o.back_at - o.killed_at:.1f} s"
            for o in self.outages
        )
