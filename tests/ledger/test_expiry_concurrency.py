"""Expiry runs racing burns and holds on real PostgreSQL: whatever order the member locks
give, no point is spent or expired twice, no hold loses its points, and the audit holds."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

import pytest
from expiry_support import VALIDITY

from exchange.ledger import expiry
from exchange.ledger.errors import InsufficientPoints

pytestmark = pytest.mark.usefixtures("audited")

# business time far from every other test's lots, so the runs see only this test's members
T0 = datetime(2020, 5, 1, tzinfo=UTC)


async def after(delay: float, call):  # type: ignore[no-untyped-def]
    await asyncio.sleep(delay)
    return await call


async def test_burns_and_holds_racing_two_expiry_runs_never_overdraw(
    make_partner, make_member, ledger
):
    """Each member: 100 points expiring at T0, 50 valid 20 days more. Just before T0 a burn of
    30 and a hold of 60 race two runs as of T0; the holds are captured after."""
    shop = await make_partner(validity_days=30)
    members = [await make_member(shop) for _ in range(12)]
    for member in members:
        await ledger.earn(member, shop.id, "100.00", now=T0 - timedelta(days=30))
        await ledger.earn(member, shop.id, "50.00", now=T0 - timedelta(days=10))
    rng = random.Random(11)
    before = T0 - timedelta(seconds=1)
    calls = []
    for member in members:
        calls.append(ledger.burn(member, shop.id, 30, now=before))
        calls.append(ledger.authorize(member, shop.id, 60, now=before, ttl=timedelta(hours=1)))
    for _ in range(2):
        calls.append(
            expiry.run_expiry(ledger.pool, as_of=T0, policy=VALIDITY, now=lambda: T0, chunk=1)
        )
    # the runs start at once and take a while; burns and holds land before, between and
    # after their chunks
    delays = [rng.random() / 4 for _ in members for _ in range(2)] + [0.0, 0.005]
    results = await asyncio.gather(
        *(after(delay, call) for delay, call in zip(delays, calls, strict=True)),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException) and not isinstance(result, InsufficientPoints):
            raise result
    holds = [r.hold_id for r in results[1 : 2 * len(members) : 2] if not isinstance(r, Exception)]
    for hold_id in holds:  # rule 5: every hold still standing is captured in full
        captured = await ledger.capture(hold_id, shop.id, now=T0 + timedelta(minutes=1))
        assert captured.points == 60
    later = T0 + timedelta(minutes=2)
    await expiry.run_expiry(ledger.pool, as_of=later, policy=VALIDITY, now=lambda: later)

    for member in members:
        moved = await ledger.fetch(
            "SELECT kind, coalesce(sum(points), 0)::bigint AS points FROM journal_entries"
            " WHERE member_id = %s AND kind IN ('BURN', 'EXPIRY') GROUP BY kind",
            member,
        )
        spent = {row["kind"]: row["points"] for row in moved}
        balance = await ledger.balance(member)
        lots = await ledger.lots(member)
        assert balance["held"] == 0 and balance["debt"] == 0
        assert balance["balance"] == sum(lot["remaining"] for lot in lots) >= 0
        assert spent.get("BURN", 0) + spent.get("EXPIRY", 0) + balance["balance"] == 150
        assert lots[0]["remaining"] == 0  # the lot due at T0 is spent or expired in full
