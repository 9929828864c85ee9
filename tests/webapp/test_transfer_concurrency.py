"""Concurrent transfers never overdraw, never deadlock (members are locked in id order), and
leave every ledger invariant intact."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from webapp_support import Program, base_time

from exchange.ledger.errors import InsufficientPoints, TransferLimitExceeded

pytestmark = pytest.mark.slow


async def _attempt(program: Program, sender: int, receiver: int, points: int, **kw: object) -> str:
    try:
        await program.transfer(sender, receiver, points, **kw)  # type: ignore[arg-type]
    except InsufficientPoints:
        return "short"
    except TransferLimitExceeded:
        return "limit"
    return "sent"


async def test_concurrent_transfers_never_overdraw(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana = await program.member(shop)
    others = [await program.member(shop) for _ in range(4)]
    await program.ledger.earn(ana, shop, "1000.00", now=now)
    outcomes = await asyncio.gather(
        *(_attempt(program, ana, others[i % 4], 70, now=now) for i in range(24))
    )
    assert outcomes.count("sent") == 14  # 14 x 70 = 980 of 1000
    assert outcomes.count("short") == 10
    assert (await program.balance(ana))["balance"] == 20
    received = [(await program.balance(member))["balance"] for member in others]
    assert sum(received) == 980
    assert await program.audit() == []


async def test_transfers_both_ways_at_once_do_not_deadlock(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "500.00", now=now)
    await program.ledger.earn(ben, shop, "500.00", now=now)
    moves = [
        _attempt(program, *((ana, ben) if i % 2 else (ben, ana)), 10, now=now + timedelta(0, i))
        for i in range(40)
    ]
    assert set(await asyncio.gather(*moves)) == {"sent"}
    assert (await program.balance(ana))["balance"] + (await program.balance(ben))["balance"] == 1000
    assert await program.audit() == []


async def test_the_daily_limit_holds_under_concurrency(program: Program) -> None:
    now = base_time()
    shop = await program.partner("SHOP")
    ana, ben = await program.member(shop), await program.member(shop)
    await program.ledger.earn(ana, shop, "5000.00", now=now)
    outcomes = await asyncio.gather(
        *(_attempt(program, ana, ben, 100, now=now, daily_limit=550) for _ in range(12))
    )
    assert outcomes.count("sent") == 5 and outcomes.count("limit") == 7
    assert (await program.balance(ben))["balance"] == 500
