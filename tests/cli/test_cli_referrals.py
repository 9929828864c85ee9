"""``exchange referrals program`` and ``exchange referrals pay`` over a scratch database (the
program is program-wide): a version added and listed, a qualified referral paid once, and
an incomplete version refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from cli_support import one_line_error

from exchange.kit.db import Pool, transaction
from exchange.kit.money import Money
from exchange.ledger import earning, members
from exchange.ledger.outcome import Request
from partners import registry
from partners.referrals import enrolling, repository


async def a_qualified_referral(pool: Pool) -> None:
    """Ana referred Ben, whose first earn of 150 points qualifies it."""
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
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
        ana, ben = [
            await members.enroll(conn, enrolment=members.Enrolment(), partner_id=shop.id, now=now)
            for _ in range(2)
        ]
        code = await repository.code_of(conn, ana)
        assert code is not None
        await enrolling.refer(
            conn, referred_member_id=ben, email=None, code=code, partner_id=shop.id, now=now
        )
        await earning.earn(
            conn,
            Request("partner:shop", "earn-1", "earnPoints", {"n": 1}),
            member_id=ben,
            partner_id=shop.id,
            earn_rate=Decimal("1"),
            points=150,
            amount=Money(Decimal("150.00"), "EUR"),
            order_id=None,
            occurred_at=now,
            now=now,
        )


async def test_the_program_and_its_payouts(cli, scratch_pool: Pool) -> None:  # type: ignore[no-untyped-def]
    empty = await cli("referrals", "program")
    assert "No referral program yet" in empty.stdout
    args = ("--referrer-points", "500", "--referred-points", "250", "--minimum-points", "100")
    added = await cli("referrals", "program", *args, "--validity-days", "365")
    assert added.exit_code == 0, added.output
    assert "Referral program version 1 added." in added.stdout
    assert "1 (in force)" in added.stdout and "at least 100 points" in added.stdout
    await a_qualified_referral(scratch_pool)
    paid = await cli("referrals", "pay")
    assert paid.exit_code == 0, paid.output
    assert "Paid 1 referrals: 750 points." in paid.stdout
    assert "Paid 0 referrals: 0 points." in (await cli("referrals", "pay")).stdout
    async with transaction(scratch_pool) as conn:
        cur = await conn.execute("SELECT sum(balance) AS points FROM member_balances")
        row = await cur.fetchone()
    assert row is not None and row["points"] == 150 + 750


async def test_an_incomplete_version_is_refused(cli, scratch_pool: Pool) -> None:  # type: ignore[no-untyped-def]
    refused = one_line_error(await cli("referrals", "program", "--referrer-points", "500"))
    assert "needs --referrer-points, --referred-points and --minimum-points" in refused
    zero = one_line_error(
        await cli(
            "referrals",
            "program",
            "--referrer-points",
            "1",
            "--referred-points",
            "1",
            "--minimum-points",
            "0",
        )
    )
    assert "minimumPoints must be between 1" in zero
