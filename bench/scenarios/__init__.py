"""The scenarios of performance.md, by name, with their goals."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bench.results import Goal, Measurement
from bench.run import Run


@dataclass(frozen=True)
class Scenario:
    name: str
    goal: Goal | None
    measure: Callable[[Run], Measurement] | None
    unavailable: str | None = None
    """Why the scenario cannot run yet (``all`` skips it, naming it alone fails)."""


def registry() -> dict[str, Scenario]:
    from bench.scenarios import (
        balance,
        dashboard,
        gateway,
        hot_partner,
        importing,
        ledger,
        pgbench,
        settlement,
        webhooks,
    )

    scenarios = [
        pgbench.SCENARIO,
        ledger.SCENARIO,
        gateway.SCENARIO,
        hot_partner.SCENARIO,
        importing.SCENARIO,
        balance.SCENARIO,
        settlement.SCENARIO,
        webhooks.SCENARIO,
        dashboard.SCENARIO,
    ]
    return {scenario.name: scenario for scenario in scenarios}
