"""The coalition a chaos run loads: partners with an API key each, members shown to every
partner, a member app token each (for transferPoints), and a webhook endpoint per partner
(registered over GraphQL, subscribed to every event type) pointing at the receiver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from load_driver import Coalition, Member, Partner

from exchange.kit.db import Pool, transaction
from exchange.kit.settings import Settings
from exchange.ledger import members
from exchange.portal import sessions
from exchange.portal.hashing import portal_key
from partners import registry
from partners.webhooks.events import EVENT_TYPES

PRICES_FROM = datetime(2020, 1, 1, tzinfo=UTC)


async def create_partners(pool: Pool, count: int, run: str) -> list[Partner]:
    made = []
    async with transaction(pool) as conn:
        for index in range(count):
            partner, key = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=f"CHAOS_{run}_{index}",
                    name=f"Chaos partner {index}",
                    earn_rate=Decimal(1 + index % 2),
                    issue_price=Decimal("0.010"),
                    redemption_value=Decimal("0.008"),
                    currency="EUR",
                    point_validity_days=365,
                ),
                now=PRICES_FROM,
            )
            made.append(Partner(partner.id, partner.code, key.secret))
    return made


async def create_members(
    pool: Pool, partners: list[Partner], count: int, run: str, settings: Settings
) -> list[Member]:
    """Members enrolled by the first partner and shown to all, each with an app token."""
    made = []
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
        for index in range(count):
            member_id = await members.enroll(
                conn,
                enrolment=members.Enrolment(email=f"chaos-{run}-{index}@example.com"),
                partner_id=partners[0].id,
                now=now,
            )
            for partner in partners[1:]:
                await members.link(
                    conn, member_id=member_id, partner_id=partner.id, external_id=None
                )
            token, _ = await sessions.open_session(
                conn,
                member_id,
                kind="TOKEN",
                key=portal_key(settings),
                lifetime=timedelta(days=1),
                now=now,
            )
            made.append(Member(member_id, token))
    return made


CREATE_ENDPOINT = """
mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id status } userErrors { code message } }
}
"""


async def register_endpoints(base_url: str, receiver_url: str, partners: list[Partner]) -> None:
    async with httpx.AsyncClient(timeout=30) as client:
        for partner in partners:
            variables = {
                "input": {
                    "url": f"{receiver_url}/hooks/{partner.code}",
                    "eventTypes": list(EVENT_TYPES),
                    "signing": "ED25519",
                    "idempotencyKey": f"chaos-endpoint-{partner.code}",
                }
            }
            response = await client.post(
                f"{base_url}/graphql",
                json={"query": CREATE_ENDPOINT, "variables": variables},
                headers={"Authorization": f"Bearer {partner.api_key}"},
            )
            payload = response.json()["data"]["createWebhookEndpoint"]
            assert payload["userErrors"] == [], payload


async def create_coalition(
    pool: Pool, *, partners: int, members_count: int, run: str, settings: Settings
) -> Coalition:
    made = await create_partners(pool, partners, run)
    people = await create_members(pool, made, members_count, run, settings)
    return Coalition(made, people)
