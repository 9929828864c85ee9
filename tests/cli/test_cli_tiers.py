"""``exchange tiers review``: a run over a scratch database (a ladder is program-wide), the
summary, a second run that changes nothing, and refused instants."""

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
from partners.tiers import checks, setting

LONG_AGO = datetime.now(UTC).replace(microsecond=0) - timedelta(days=500)


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


async def gold_long_ago(pool: Pool) -> int:
    """A member who reached Gold 500 days ago and earned nothing since."""
    async with transaction(pool) as conn:
        ladder = checks.ladder(
            [
                checks.NewLevel("Silver", 1000, Decimal("1.25"), ""),
                checks.NewLevel("Gold", 5000, Decimal("1.5"), ""),
            ],
            window=timedelta(days=365),
            review_every=timedelta(days=90),
            grace_days=14,
        )
        await setting.set_tiers(
            conn, ladder, effective_from=None, caller="a", key="t", actor="cli", now=LONG_AGO
        )
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="CLI_TIERS",
                name="Tiers",
                earn_rate=Decimal(1),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=None,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        member = await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner.id, now=LONG_AGO
        )
    async with transaction(pool) as conn:
        await earning.earn(
            conn,
            Request(f"partner:{partner.id}", "gold", "earnPoints", {}),
            member_id=member,
            partner_id=partner.id,
            earn_rate=Decimal(1),
            points=5000,
            amount=Money(Decimal(5000), "EUR"),
            order_id=None,
            occurred_at=LONG_AGO,
            now=LONG_AGO,
        )
    return member


async def test_review_lowers_after_the_grace_and_sums_up(cli, scratch):
    await gold_long_ago(scratch)

    first = await cli("tiers", "review")
    second = await cli("tiers", "review")

    assert first.exit_code == 0, first.output
    assert "Reviewed 1 members as of" in first.stdout
    assert "0 kept, 0 raised, 1 lowered, 0 in their grace." in first.stdout
    assert "1 member.tier_changed events." in first.stdout
    assert second.exit_code == 0, second.output
    assert "Reviewed 0 members" in second.stdout


async def test_as_of_within_the_grace_lowers_nothing(cli, scratch):
    await gold_long_ago(scratch)
    # its 5,000 points left the window on day 365; the run of day 370 is late, so the grace
    # counts from the last review date it missed, day 360: Gold until day 374
    as_of = (LONG_AGO + timedelta(days=370)).isoformat()

    result = await cli("tiers", "review", "--as-of", as_of)

    assert result.exit_code == 0, result.output
    assert "1 in their grace" in result.stdout


@pytest.mark.parametrize(
    ("as_of", "says"),
    [("2999-01-01T00:00:00Z", "is in the future"), ("2026-01-01", "has no UTC offset")],
)
async def test_bad_instants_are_refused(cli, as_of, says):
    assert says in one_line_error(await cli("tiers", "review", "--as-of", as_of))
