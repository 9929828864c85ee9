from datetime import UTC, datetime, timedelta
from decimal import Decimal

from exchange.kit.db import transaction
from exchange.kit.money import Money
from exchange.ledger import burning, earning
from exchange.ledger.audit import run_audit
from exchange.ledger.outcome import Request
from partners import registry


async def test_earn_burn_refund_reverse(pool, make_partner, make_member):
    fuel = await make_partner(earn_rate="1")
    member = await make_member(fuel)
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
        terms = await registry.issuer_terms(conn, fuel.id, now)
        out = await earning.earn(
            conn, Request("p", "k1", "earn", {"m": member}), member_id=member, terms=terms,
            points=100, amount=Money(Decimal("100.00"), "EUR"), order_id="o1", occurred_at=now,
            now=now,
        )
    assert out.points == 100
    async with transaction(pool) as conn:
        rterms = await registry.redeemer_terms(conn, fuel.id, now)
        b = await burning.burn(conn, Request("p", "k2", "burn", {}), member_id=member,
                               terms=rterms, points=60, order_id="o2", now=now)
        await burning.refund(conn, Request("p", "k3", "refund", {}), partner_id=fuel.id,
                             transaction_id=b.transaction_id, points=10, now=now)
        r = await earning.reverse_earn(conn, Request("p", "k4", "rev", {}), partner_id=fuel.id,
                                       transaction_id=out.transaction_id, amount=None, now=now)
        assert r.points == 100 and r.debt == 50
    async with transaction(pool) as conn:
        for check in await run_audit(conn):
            assert check.ok, check
