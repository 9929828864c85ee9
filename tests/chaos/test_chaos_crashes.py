"""Crashes under load: the gateway processes, the webhook worker and the PostgreSQL server are
SIGKILLed at random moments, cycle after cycle, and started again while the clients go on
(a call that failed during an outage is sent again with the same key; one never answered
may or may not have happened, but at most once). Afterwards the steady state's checks hold,
no answer was a 500, a 503 came only while the database was down or just back, and every
partner event reached the receiver at least once."""

from __future__ import annotations

import asyncio
import random

import pytest
from chaos_checks import agreeing_answers, audit, ledger_matches, negative_balances
from chaos_crashes import Chaos, schedule
from chaos_support import ChaosWorld, assert_holds, exercised
from load_driver import Driver, Options

pytestmark = [pytest.mark.chaos, pytest.mark.slow]


async def test_crashes_lose_no_acknowledged_call_and_no_event(chaos_world: ChaosWorld) -> None:
    world = chaos_world
    options = Options(operations=world.size.operations, clients=world.size.clients, seed=world.seed)
    driver = Driver(world.cluster.base_url, world.coalition, options)
    kills = schedule(random.Random(f"{world.seed}:crashes"), world.size.cycles, options.operations)
    chaos = Chaos(world.cluster, driver, kills)
    done = asyncio.Event()
    watching = asyncio.create_task(chaos.watch(done))
    report, _ = await asyncio.gather(driver.run(), chaos.run())
    done.set()
    await watching
    await world.pool.check()  # its idle connections died with the server
    findings = {
        "answers the contract does not allow": report.unexpected,
        "503 while the database was up": chaos.unavailable_outside_outages(report.unavailable),
        "calls never acknowledged": report.unacknowledged,
        "processes that exited by themselves": chaos.exited,
        "kills that did not happen": [k for k in kills if k not in [o.kill for o in chaos.outages]],
        "answers of one key that disagree": agreeing_answers(report),
        "acknowledged calls not in the ledger exactly once": await ledger_matches(
            world.pool, report
        ),
        "balances below zero": await negative_balances(world.pool),
        "exchange audit": await audit(world.cluster.database_url, world.cluster.env()),
        "operations the load never exercised": exercised(report),
        "events never delivered": await world.drained(),
    }
    assert_holds(world, findings, f"{report.summary()}\ncrashes: {chaos.describe()}")
