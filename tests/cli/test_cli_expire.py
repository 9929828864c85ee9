"""``exchange expire``: a run over a scratch database (its figures are this test's alone), the
summary, a second run that expires nothing, the policy, and refused instants."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from cli_support import one_line_error, scratch_database

from exchange.kit.db import Pool, open_pool, transaction
from exchange.kit.money import Money
from exchange.kit.settings import get_settings
from exchange.ledger import earning, members
from exchange.ledger.outcome import Request
from partners import registry

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
async def scratch(cli, database_url: str, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Pool]:
    """The CLI pointed at a database of its own."""
    with scratch_database(database_url, migrated=True) as url:
        monkeypatch.setenv("EXCHANGE_DATABASE_URL", url)
        get_settings.cache_clear()
        pool = await open_pool(url, size=2)
        try:
            yield pool
        finally:
            await pool.close()


async def seed(pool: Pool, *earned: tuple[int, timedelta]) -> None:
    """One member per (points, age): earned that long ago at a partner with 30-day points."""
    async with transaction(pool) as conn:
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="CLI_EXPIRY",
                name="Expiring Points",
                earn_rate=Decimal(1),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=30,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    for points, age in earned:
        async with transaction(pool) as conn:
            member = await members.enroll(
                conn, enrolment=members.Enrolment(), partner_id=partner.id, now=NOW
            )
            await earning.earn(
                conn,
                Request(f"partner:{partner.id}", f"seed-{member}", "earnPoints", {}),
                member_id=member,
                partner_id=partner.id,
                earn_rate=Decimal(1),
                points=points,
                amount=Money(Decimal(points), "EUR"),
                order_id=None,
                occurred_at=NOW - age,
                now=NOW - age,
            )


async def balances(pool: Pool) -> list[int]:
    async with transaction(pool) as conn:
        cur = await conn.execute("SELECT balance FROM member_balances ORDER BY member_id")
        return [row["balance"] for row in await cur.fetchall()]


async def test_expire_runs_and_sums_up(cli, scratch):
    await seed(
        scratch, (100, timedelta(days=40)), (50, timedelta(days=31)), (70, timedelta(days=2))
    )

    first = await cli("expire")
    second = await cli("expire")

    assert first.exit_code == 0, first.output
    assert "Expired 150 points of 2 members as of" in first.stdout
    assert "2 EXPIRY transactions, 2 points.expired events. Policy: lot validity." in first.stdout
    assert "members" in first.stderr  # the progress bar
    assert await balances(scratch) == [0, 0, 70]
    assert second.exit_code == 0, second.output
    assert "Expired 0 points of 0 members" in second.stdout


async def test_as_of_picks_the_instant(cli, scratch):
    await seed(scratch, (100, timedelta(days=40)), (50, timedelta(days=31)))
    as_of = (NOW - timedelta(days=5)).isoformat()  # the 100 expired 10 days ago, the 50 in 1

    result = await cli("expire", "--as-of", as_of)

    assert result.exit_code == 0, result.output
    assert f"Expired 100 points of 1 members as of {as_of}" in result.stdout
    assert await balances(scratch) == [0, 50]


async def test_policy_none_expires_nothing(cli, scratch, monkeypatch):
    await seed(scratch, (100, timedelta(days=40)))
    monkeypatch.setenv("EXCHANGE_EXPIRY_POLICY", "none")
    get_settings.cache_clear()

    result = await cli("expire")

    assert result.exit_code == 0, result.output
    assert "nothing expires" in result.stdout
    assert await balances(scratch) == [100]


@pytest.mark.parametrize(
    ("as_of", "says"),
    [
        ("2999-01-01T00:00:00Z", "is in the future"),
        ("2026-01-01T00:00:00", "has no UTC offset"),
        ("yesterday", "is not an ISO 8601 date-time"),
    ],
)
async def test_bad_instants_are_refused(cli, as_of, says):
    assert says in one_line_error(await cli("expire", "--as-of", as_of))
