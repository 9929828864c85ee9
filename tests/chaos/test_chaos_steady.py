"""Steady state: thousands of random point-moving calls from many concurrent clients over HTTP
against ``exchange serve --workers 2`` and ``exchange worker``, a tenth of them sent again with
the same idempotency key. Afterwards ``exchange audit`` passes, every acknowledged call is in
the ledger exactly once and nothing else is, the answers of one key agree, no balance is below
zero, no answer was a 5xx, and every partner event reached the receiver."""

from __future__ import annotations

import pytest
from chaos_checks import agreeing_answers, audit, ledger_matches, negative_balances
from chaos_support import ChaosWorld, assert_holds, exercised
from load_driver import Driver, Options

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


async def test_steady_load_keeps_every_acknowledged_call_exactly_once(
    chaos_world: ChaosWorld,
) -> None:
    world = chaos_world
    options = Options(operations=world.size.operations, clients=world.size.clients, seed=world.seed)
    report = await Driver(world.cluster.base_url, world.coalition, options).run()
    findings = {
        "answers the contract does not allow": report.unexpected,
        "503 with every process up": report.unavailable,
        "transport errors with every process up": [report.transport_errors]
        * bool(report.transport_errors),
        "calls never acknowledged": report.unacknowledged,
        "answers of one key that disagree": agreeing_answers(report),
        "acknowledged calls not in the ledger exactly once": await ledger_matches(
            world.pool, report
        ),
        "balances below zero": await negative_balances(world.pool),
        "exchange audit": await audit(world.cluster.database_url, world.cluster.env()),
        "operations the load never exercised": exercised(report),
        "events never delivered": await world.drained(),
    }
    assert_holds(world, findings, report.summary())
