"""An imported purchase qualifies a referral as a single earn does: the first line of the
referred member, in file order, with at least the program's minimum points (the trigger on
the outbox sees the import chunk's earns set-based). A database of its own: the referral
program is program-wide."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from import_support import audit_failures, balance_of, earn_line, import_file, write_file

from exchange.kit.db import Pool, transaction
from exchange.ledger import members
from partners import registry
from partners.referrals import enrolling, payouts, repository, setting
from partners.referrals.program import Terms


async def test_an_imported_purchase_qualifies_a_referral(fresh_pool: Pool, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    async with transaction(fresh_pool) as conn:
        shop, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="SHOP",
                name="Shop",
                earn_rate=Decimal("1"),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        ana, ben, cleo = [
            await members.enroll(conn, enrolment=members.Enrolment(), partner_id=shop.id, now=now)
            for _ in range(3)
        ]
        await setting.set_program(
            conn,
            Terms(referrer_points=500, referred_points=250, minimum_points=100),
            effective_from=None,
            caller="admin",
            key="referrals",
            actor="test",
            now=now - timedelta(minutes=1),
        )
        code = await repository.code_of(conn, ana)
        assert code is not None
        await enrolling.refer(
            conn, referred_member_id=ben, email=None, code=code, partner_id=shop.id, now=now
        )
    lines = [
        earn_line(ben, "50.00"),
        earn_line(cleo, "500.00"),  # not referred: nothing
        earn_line(ben, "120.00"),  # the first of at least 100 points: qualifies
        earn_line(ben, "150.00"),
    ]
    job, errors = await import_file(fresh_pool, shop.id, write_file(tmp_path / "f.jsonl", lines))
    assert (job.lines_posted, errors) == (4, [])
    async with transaction(fresh_pool) as conn:
        cur = await conn.execute(
            "SELECT r.status, e.points FROM referrals r"
            " JOIN journal_entries e ON e.id = r.qualifying_entry_id"
            " WHERE r.member_id = %s",
            (ben,),
        )
        assert await cur.fetchone() == {"status": "QUALIFIED", "points": 120}
    assert await payouts.pay_qualified(fresh_pool, now=now) == payouts.Paid(1, 750)
    assert (await balance_of(fresh_pool, ana))["balance"] == 500
    assert (await balance_of(fresh_pool, ben))["balance"] == 50 + 120 + 150 + 250
    assert (await balance_of(fresh_pool, cleo))["balance"] == 500
    assert await audit_failures(fresh_pool) == []
