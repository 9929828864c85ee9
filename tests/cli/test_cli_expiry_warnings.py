"""``exchange expire --warn``: after the expiry, one points.expiring event per member and date
of expiry within EXCHANGE_EXPIRY_WARNING_DAYS, and none again on a second run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from exchange.kit.db import Pool, transaction
from exchange.kit.money import Money
from exchange.kit.settings import get_settings
from exchange.ledger import earning, members
from exchange.ledger.outcome import Request
from partners import registry


async def test_expire_warns_once(cli, scratch_pool: Pool, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXCHANGE_EXPIRY_WARNING_DAYS", "30")
    get_settings.cache_clear()
    earned = datetime.now(UTC) - timedelta(days=2)
    async with transaction(scratch_pool) as conn:
        shop, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="SHOP",
                name="Shop",
                earn_rate=Decimal("1"),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=20,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        someone = await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=shop.id, now=earned
        )
        await earning.earn(
            conn,
            Request("partner:shop", "earn-1", "earnPoints", {"n": 1}),
            member_id=someone,
            partner_id=shop.id,
            earn_rate=Decimal("1"),
            points=40,
            amount=Money(Decimal("40.00"), "EUR"),
            order_id=None,
            occurred_at=earned,
            now=earned,
        )
    first = await cli("expire", "--warn")
    assert first.exit_code == 0, first.output
    assert "Expired 0 points of 0 members" in first.stdout
    assert "1 points.expiring events for points expiring by" in first.stdout
    assert "(30 days; EXCHANGE_EXPIRY_WARNING_DAYS)" in first.stdout
    again = await cli("expire", "--warn")
    assert "0 points.expiring events" in again.stdout
    plain = await cli("expire")
    assert "points.expiring" not in plain.stdout
