"""A program with tiers in a database of its own (a ladder is program-wide: it would change
every other test's earns): partners, members, ladders and what tiers wrote, read back."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger_support import Ledger, new_key

from exchange.kit.db import Pool, transaction
from exchange.ledger import members
from partners import registry
from partners.tiers import checks, setting
from partners.tiers.ladders import Ladder

_codes = itertools.count(1)
DAY = timedelta(days=1)


def level(name: str, threshold: int, multiplier: str = "1") -> checks.NewLevel:
    return checks.NewLevel(name, threshold, Decimal(multiplier), f"{name} benefits")


SILVER_GOLD = (level("Blue", 0), level("Silver", 1000, "1.25"), level("Gold", 5000, "1.5"))


@dataclass
class Program:
    pool: Pool
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.pool)

    async def partner(self, earn_rate: str = "1") -> int:
        async with transaction(self.pool) as conn:
            partner, _ = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=f"T{next(_codes)}",
                    name="Tier partner",
                    earn_rate=Decimal(earn_rate),
                    issue_price=Decimal("0.01"),
                    redemption_value=Decimal("0.008"),
                    currency="EUR",
                    point_validity_days=730,
                ),
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
        return partner.id

    async def member(self, partner_id: int | None = None) -> int:
        async with transaction(self.pool) as conn:
            return await members.enroll(
                conn,
                enrolment=members.Enrolment(),
                partner_id=partner_id,
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )

    async def ladder(
        self,
        *levels: checks.NewLevel,
        window_days: int = 365,
        review_every_days: int = 30,
        grace_days: int = 14,
        effective_from: datetime | None = None,
        now: datetime | None = None,
    ) -> Ladder:
        new = checks.ladder(
            levels or SILVER_GOLD,
            window=window_days * DAY,
            review_every=review_every_days * DAY,
            grace_days=grace_days,
        )
        when = now or datetime(2020, 1, 1, tzinfo=UTC)
        async with transaction(self.pool) as conn:
            return await setting.set_tiers(
                conn,
                new,
                effective_from=effective_from or when,
                caller="admin:test",
                key=new_key("tiers"),
                actor="test",
                now=when,
            )

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        async with transaction(self.pool) as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return list(await cur.fetchall())

    async def tier_of(self, member_id: int) -> dict[str, Any] | None:
        rows = await self.fetch(
            "SELECT tier, review_at, shown, shown_until FROM member_tiers WHERE member_id = %s",
            member_id,
        )
        return rows[0] if rows else None

    async def tier_events(self, member_id: int) -> list[dict[str, Any]]:
        """``member.tier_changed`` data, oldest first, with the partner it goes to and its
        place among the member's events."""
        rows = await self.fetch(
            "SELECT partner_id, member_seq, payload FROM outbox_events"
            " WHERE member_id = %s AND event_type = 'member.tier_changed' ORDER BY id",
            member_id,
        )
        return [
            {**row["payload"]["data"], "partner": row["partner_id"], "seq": row["member_seq"]}
            for row in rows
        ]
