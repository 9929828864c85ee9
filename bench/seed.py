"""A coalition to load: partners (with an API key each) and members holding enough points.

Everything goes through the services (``registry.create_partner``, ``members.enroll``, the
earn path): enrolments a hundred to a transaction, over several connections at once.
Member ``i`` is enrolled by partner ``i % len(partners)``, so each partner is shown its own
share of the members; ``link_all`` shows every member to one more partner (hot-partner).
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

from bench import operations
from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import members
from exchange.ledger.errors import MemberAlreadyEnrolled
from partners import registry

PRICES_FROM = datetime(2020, 1, 1, tzinfo=UTC)
SEED_AMOUNT = Decimal("1000.00")
"""Each member earns this once (1,000 points at rate 1): far more than the burns take."""
EARN_RATE = Decimal("1")
BATCH = 100
SEED_CONNECTIONS = 8

Pick = Callable[[random.Random], tuple[int, int]]
"""Draws (partner id, member id) for the next business transaction."""


@dataclass(frozen=True)
class SeededPartner:
    id: int
    code: str
    api_key: str


@dataclass(frozen=True)
class SeededMember:
    id: int
    partner_index: int
    """Index in ``Coalition.partners`` of the partner that enrolled the member."""


@dataclass(frozen=True)
class Coalition:
    partners: list[SeededPartner]
    members: list[SeededMember]
    currency: str

    def spread(self) -> Pick:
        """A random member, at the partner that enrolled it (load spread over all partners)."""

        def pick(rng: random.Random) -> tuple[int, int]:
            member = rng.choice(self.members)
            return self.partners[member.partner_index].id, member.id

        return pick

    def at(self, partner_index: int) -> Pick:
        """A random member, always at one partner (see :func:`link_all`)."""
        partner_id = self.partners[partner_index].id

        def pick(rng: random.Random) -> tuple[int, int]:
            return partner_id, rng.choice(self.members).id

        return pick

    def load_members(self, partner_index: int | None = None) -> list[tuple[str, int]]:
        """(global id, partner index) of every member, for an HTTP load generator: at the
        enrolling partner, or all at ``partner_index``."""
        return [
            (
                to_global_id("Member", member.id),
                member.partner_index if partner_index is None else partner_index,
            )
            for member in self.members
        ]

    @property
    def api_keys(self) -> list[str]:
        return [partner.api_key for partner in self.partners]


async def create_partners(pool: Pool, count: int, currency: str) -> list[SeededPartner]:
    created: list[SeededPartner] = []
    async with transaction(pool) as conn:
        for index in range(count):
            partner, key = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=f"BENCH_{index:03d}",
                    name=f"Bench partner {index}",
                    earn_rate=EARN_RATE,
                    issue_price=Decimal("0.010"),
                    redemption_value=Decimal("0.008"),
                    currency=currency,
                    point_validity_days=365,
                ),
                now=PRICES_FROM,
            )
            created.append(SeededPartner(id=partner.id, code=partner.code, api_key=key.secret))
    return created


async def _enroll_batch(
    pool: Pool, partners: list[SeededPartner], indexes: range, currency: str
) -> list[SeededMember]:
    """Enrol a batch of members in one transaction, then give each its points."""
    seeded: list[SeededMember] = []
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
        for index in indexes:
            partner_index = index % len(partners)
            while True:
                try:
                    member_id = await members.enroll(
                        conn,
                        enrolment=members.Enrolment(external_id=f"bench-{index}"),
                        partner_id=partners[partner_index].id,
                        now=now,
                    )
                    break
                except MemberAlreadyEnrolled:  # a random card number collided: draw again
                    continue
            seeded.append(SeededMember(id=member_id, partner_index=partner_index))
    token = secrets.token_hex(4)
    for member in seeded:
        await operations.earn(
            pool,
            partner_id=partners[member.partner_index].id,
            member_id=member.id,
            amount=SEED_AMOUNT,
            currency=currency,
            key=f"seed-{token}-{member.id}",
            now=now,
        )
    return seeded


async def seed(pool: Pool, *, partners: int, members_count: int, currency: str) -> Coalition:
    created = await create_partners(pool, partners, currency)
    batches = [
        range(start, min(start + BATCH, members_count)) for start in range(0, members_count, BATCH)
    ]
    seeded: list[SeededMember] = []
    gate = asyncio.Semaphore(SEED_CONNECTIONS)

    async def one(batch: range) -> list[SeededMember]:
        async with gate:
            return await _enroll_batch(pool, created, batch, currency)

    for part in await asyncio.gather(*(one(batch) for batch in batches)):
        seeded.extend(part)
    return Coalition(partners=created, members=seeded, currency=currency)


async def link_all(pool: Pool, coalition: Coalition, partner_index: int) -> None:
    """Show every member to one partner, as if each had presented a card there."""
    partner_id = coalition.partners[partner_index].id
    ids = [member.id for member in coalition.members]
    chunks = [ids[start : start + 500] for start in range(0, len(ids), 500)]

    gate = asyncio.Semaphore(SEED_CONNECTIONS)

    async def one(chunk: list[int]) -> None:
        async with gate, transaction(pool) as conn:
            for member_id in chunk:
                await members.link(
                    conn, member_id=member_id, partner_id=partner_id, external_id=None
                )

    await asyncio.gather(*(one(chunk) for chunk in chunks))
