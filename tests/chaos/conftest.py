"""A chaos run's world: its own PostgreSQL server (killed at will, so never the session's),
``exchange serve --workers 2``, ``exchange worker`` and a webhook receiver, all in processes
of their own; the coalition; the size (CI, or ``--long``) and the seed.

``EXCHANGE_CHAOS_SEED=N`` replays a run's draws (operations, members, amounts, retries and
the crash schedule; the interleaving is the machine's); ``--long`` (or
``EXCHANGE_CHAOS_LONG=1``) runs the full size; ``EXCHANGE_CHAOS_OPERATIONS`` overrides the
number of operations.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import random
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from chaos_cluster import SECRET_KEY, Cluster, Postgres, scratch_root
from chaos_coalition import create_coalition, register_endpoints
from chaos_support import CI, LONG, ChaosWorld, Size, start_cluster

from exchange.kit.db import open_pool
from exchange.kit.settings import Settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    """Remember whether the test failed: its processes' logs are printed then."""
    report = yield
    if report.when == "call":
        item.chaos_failed = report.failed  # type: ignore[attr-defined]
    return report


@pytest.fixture
def chaos_size(request: pytest.FixtureRequest) -> Size:
    long = request.config.getoption("--long") or os.environ.get("EXCHANGE_CHAOS_LONG") == "1"
    size = LONG if long else CI
    if operations := os.environ.get("EXCHANGE_CHAOS_OPERATIONS"):
        size = dataclasses.replace(size, operations=int(operations))
    return size


@pytest.fixture
def chaos_seed() -> int:
    seed = int(os.environ.get("EXCHANGE_CHAOS_SEED") or random.SystemRandom().randrange(2**31))
    print(f"\nchaos seed {seed}: replay with EXCHANGE_CHAOS_SEED={seed}", file=sys.stderr)
    return seed


@pytest.fixture
async def chaos_world(
    chaos_size: Size, chaos_seed: int, request: pytest.FixtureRequest
) -> AsyncIterator[ChaosWorld]:
    with scratch_root() as root:
        cluster = Cluster(root, Postgres(root))
        try:
            await start_cluster(cluster)
            pool = await open_pool(cluster.database_url, size=4)
            try:
                coalition = await create_coalition(
                    pool,
                    partners=chaos_size.partners,
                    members_count=chaos_size.members,
                    run=secrets.token_hex(3).upper(),
                    settings=Settings(secret_key=SECRET_KEY),  # type: ignore[arg-type]
                )
                await register_endpoints(cluster.base_url, cluster.receiver_url, coalition.partners)
                yield ChaosWorld(cluster, pool, coalition, chaos_size, chaos_seed)
            finally:
                await pool.close()
        finally:
            await asyncio.to_thread(cluster.stop)
            if getattr(request.node, "chaos_failed", True):
                print(cluster.logs(), file=sys.stderr)
                kept = cluster.keep_logs(ARTIFACTS / f"chaos-{chaos_seed}-{request.node.name}")
                print(f"the processes' logs: {kept}", file=sys.stderr)
