"""How big and how long: the default size (the one the README quotes) and ``--quick``."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from typing import Literal

SizeName = Literal["quick", "default"]

SECONDS_ENV = "BENCH_SECONDS"
"""Overrides every measuring duration (seconds); the tests use it to stay short."""


@dataclass(frozen=True)
class Size:
    name: SizeName
    pgbench_scale: int
    pgbench_seconds: int
    seconds: float
    """Measuring time of ``ledger``, ``gateway`` and ``balance``."""
    leg_seconds: float
    """``hot-partner`` measures each mix in four legs of this length: spread, one, one,
    spread (ABBA, so that neither side gains from running later on a bigger database)."""
    warmup_seconds: float
    members: int
    partners: int
    hot_partner_partners: int
    workers: int
    """Concurrent in-process ledger workers (one pooled connection each)."""
    connections: int
    """HTTP connections of the load generator."""


DEFAULT = Size(
    name="default",
    pgbench_scale=10,
    pgbench_seconds=20,
    seconds=20.0,
    leg_seconds=5.0,
    warmup_seconds=2.0,
    members=10_000,
    partners=20,
    hot_partner_partners=100,
    workers=8,
    connections=16,
)

QUICK = replace(
    DEFAULT,
    name="quick",
    pgbench_seconds=5,
    seconds=5.0,
    leg_seconds=2.0,
    warmup_seconds=1.0,
    members=1_000,
)


def size_for(quick: bool) -> Size:
    size = QUICK if quick else DEFAULT
    override = os.environ.get(SECONDS_ENV)
    if override:
        seconds = float(override)
        if seconds <= 0:
            raise ValueError(f"{SECONDS_ENV} must be a positive number of seconds")
        size = replace(
            size,
            pgbench_seconds=max(1, round(seconds)),
            seconds=seconds,
            leg_seconds=seconds,
            warmup_seconds=min(size.warmup_seconds, seconds / 2),
        )
    return size
