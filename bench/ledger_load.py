"""The in-process earn/burn mix: concurrent asyncio workers, one pooled connection each.

Every business transaction is made as a gateway request makes it (``bench.operations``): its
own pooled connection and database transaction; the figure counts the ones that committed.
"""

from __future__ import annotations

import asyncio
import random
import secrets
import time
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

import psycopg

from bench import operations
from bench.results import Latency
from bench.seed import Pick
from exchange.kit import clock
from exchange.kit.db import Pool
from exchange.kit.errors import ExchangeError

EARN_SHARE = 0.7


@dataclass
class MixOutcome:
    committed: int = 0
    earns: int = 0
    burns: int = 0
    elapsed: float = 0.0
    refused: Counter[str] = field(default_factory=Counter)
    failed: Counter[str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.committed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def latency(self) -> Latency | None:
        return Latency.of_seconds(self.latencies)

    def problems(self) -> list[str]:
        notes = []
        if self.refused:
            notes.append(f"refused: {dict(self.refused)}")
        if self.failed:
            notes.append(f"failed: {dict(self.failed)}")
        return notes


async def _worker(
    pool: Pool,
    pick: Pick,
    outcome: MixOutcome,
    *,
    worker: int,
    token: str,
    deadline: float,
    currency: str,
) -> None:
    rng = random.Random(f"{token}-{worker}")  # noqa: S311 - load, not secrets
    sent = 0
    while (started := time.perf_counter()) < deadline:
        sent += 1
        partner_id, member_id = pick(rng)
        key = f"{token}-{worker}-{sent}"
        earning = rng.random() < EARN_SHARE
        try:
            if earning:
                await operations.earn(
                    pool,
                    partner_id=partner_id,
                    member_id=member_id,
                    amount=Decimal(rng.randint(5, 50)),
                    currency=currency,
                    key=key,
                    now=clock.now(),
                )
            else:
                await operations.burn(
                    pool,
                    partner_id=partner_id,
                    member_id=member_id,
                    points=rng.randint(1, 10),
                    key=key,
                    now=clock.now(),
                )
        except ExchangeError as error:
            outcome.refused[error.code] += 1
        except psycopg.Error as error:
            outcome.failed[type(error).__name__] += 1
        else:
            outcome.committed += 1
            outcome.earns += earning
            outcome.burns += not earning
            outcome.latencies.append(time.perf_counter() - started)


async def run_mix(
    pool: Pool, pick: Pick, *, workers: int, seconds: float, currency: str
) -> MixOutcome:
    """Run the 70/30 earn/burn mix for ``seconds`` with ``workers`` concurrent workers."""
    outcome = MixOutcome()
    token = f"bench-{secrets.token_hex(4)}"
    started = time.perf_counter()
    deadline = started + seconds
    await asyncio.gather(
        *(
            _worker(
                pool,
                pick,
                outcome,
                worker=worker,
                token=token,
                deadline=deadline,
                currency=currency,
            )
            for worker in range(workers)
        )
    )
    outcome.elapsed = time.perf_counter() - started
    return outcome
