"""A program of its own for bonus tests (the bonus event types are program-wide): a gateway
on a fresh database, an admin, partners with their keys, members, and a clock to move."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
from gateway_support import Api, member_gid, new_key

from exchange.kit.db import Pool, transaction
from exchange.ledger import members
from partners import registry

REVIEW = {
    "code": "REVIEW",
    "name": "Product review",
    "points": 50,
    "limit": {"count": 3, "period": "MONTH"},
}
BIRTHDAY = {
    "code": "BIRTHDAY",
    "name": "Birthday",
    "points": 200,
    "limit": {"count": 1, "period": "YEAR"},
}
SURVEY = {"code": "SURVEY", "name": "Survey answer", "points": 20}
CATALOGUE = (
    "catalogue { version effectiveFrom eventTypes { code name points limit { count period } } }"
)
AWARDED = "transaction { id kind points partner { code } } member { balance }"


@dataclass
class Clock:
    """What ``exchange.kit.clock.now`` answers while a test runs."""

    at: datetime

    def __call__(self) -> datetime:
        return self.at


async def partner(
    client: httpx.AsyncClient, pool: Pool, code: str, **terms: Any
) -> tuple[int, Api]:
    async with transaction(pool) as conn:
        made, key = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=f"Partner {code}",
                earn_rate=Decimal("1"),
                issue_price=Decimal(terms.get("issue_price", "0.01")),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=terms.get("validity_days", 365),
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return made.id, Api(client, key.secret)


async def member(pool: Pool, partner_id: int, **identifiers: str) -> int:
    async with transaction(pool) as conn:
        return await members.enroll(
            conn,
            enrolment=members.Enrolment(**identifiers),
            partner_id=partner_id,
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )


def award_input(
    member_id: int, event_type: str, reference: str, key: str | None = None
) -> dict[str, Any]:
    return {
        "memberId": member_gid(member_id),
        "eventType": event_type,
        "reference": reference,
        "idempotencyKey": key or new_key("bonus"),
    }
