"""A chaos run's world (its processes, pool, coalition, size and seed), how it is started, and
how its findings are reported."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from chaos_checks import partner_events, undelivered
from chaos_cluster import Cluster
from load_driver import WEIGHTS, Coalition, Report

from exchange.kit.db import Pool, ensure_database
from exchange.migrations import upgrade

DRAIN_SECONDS = 180.0
"""Longest wait for the worker to deliver every event once the load is over (a delivery
claimed by a killed worker waits for its 30 s lease to run out)."""


@dataclass(frozen=True)
class Size:
    operations: int
    cycles: int
    clients: int = 24
    members: int = 40
    partners: int = 4


CI = Size(operations=3_000, cycles=3)
LONG = Size(operations=20_000, cycles=10)


@dataclass
class ChaosWorld:
    cluster: Cluster
    pool: Pool
    coalition: Coalition
    size: Size
    seed: int

    async def received(self) -> dict[str, int]:
        async with httpx.AsyncClient(timeout=10) as client:
            answer = await client.get(f"{self.cluster.receiver_url}/ids")
        ids: dict[str, int] = answer.json()["ids"]
        return ids

    async def drained(self) -> list[str]:
        """Wait until the receiver has every partner event; what it still misses after
        ``DRAIN_SECONDS``."""
        deadline = time.monotonic() + DRAIN_SECONDS
        while True:
            missing = undelivered(await partner_events(self.pool), await self.received())
            if not missing or time.monotonic() > deadline:
                return missing
            await asyncio.sleep(0.5)

    def replay_hint(self) -> str:
        return (
            f"seed {self.seed}: replay with EXCHANGE_CHAOS_SEED={self.seed}"
            f" ({self.size.operations} operations, {self.size.cycles} crash cycles)"
        )


async def start_cluster(cluster: Cluster) -> None:
    """A fresh server and database, migrated; then the receiver, the gateway, the worker."""
    await asyncio.to_thread(cluster.postgres.init)
    await asyncio.to_thread(cluster.postgres.start)
    await asyncio.to_thread(ensure_database, cluster.postgres.server_url, cluster.database)
    await asyncio.to_thread(upgrade, cluster.database_url)
    cluster.build()
    await asyncio.to_thread(cluster.start_receiver)
    await asyncio.to_thread(cluster.start_gateway)
    await asyncio.to_thread(cluster.start_worker)


def exercised(report: Report) -> list[str]:
    """Every operation done at least once, something refused, and calls sent again: a run
    that only refused, or never replayed, proves little."""
    done = Counter(ack.call.operation for ack in report.acks if ack.ok)
    findings = [f"{operation} never done" for operation in WEIGHTS if not done[operation]]
    if not any(not ack.ok for ack in report.acks):
        findings.append("nothing was ever refused")
    if not report.replays:
        findings.append("no call was sent again with its key")
    return findings


def assert_holds(world: ChaosWorld, findings: dict[str, list[Any]], summary: str) -> None:
    print(f"{world.replay_hint()}\n{summary}")
    broken = {name: found for name, found in findings.items() if found}
    if broken:
        lines = [f"{name} ({len(found)}): {found[:10]}" for name, found in broken.items()]
        pytest.fail(f"{world.replay_hint()}\n{summary}\n" + "\n".join(lines))
