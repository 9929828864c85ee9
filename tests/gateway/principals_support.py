"""Everyone who may call the gateway, made in a database of a test's own: two partners, a
member (enrolled by the first) with a member token, finance, admin, and a revoked key."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from exchange.kit.db import Pool, transaction
from exchange.kit.settings import Settings
from exchange.ledger import members
from exchange.portal import sessions
from exchange.portal.hashing import portal_key
from partners import keys, registry


@dataclass(frozen=True)
class Partner:
    id: int
    code: str
    key: str
    key_id: int


@dataclass(frozen=True)
class Cast:
    partner_a: Partner
    partner_b: Partner
    member_id: int
    """Enrolled by partner A, with points earned at A."""
    member_token: str
    finance: str
    admin: str
    revoked: str

    def credentials(self) -> dict[str, str | None]:
        """The bearer credential of each principal (None: no Authorization header)."""
        return {
            "partner_a": self.partner_a.key,
            "partner_b": self.partner_b.key,
            "member": self.member_token,
            "finance": self.finance,
            "admin": self.admin,
            "no_key": None,
            "revoked": self.revoked,
        }


async def _partner(pool: Pool, code: str) -> Partner:
    async with transaction(pool) as conn:
        partner, key = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=f"Partner {code}",
                earn_rate=Decimal(1),
                issue_price=Decimal("0.010"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return Partner(partner.id, partner.code, key.secret, key.id)


async def _key(pool: Pool, role: str) -> keys.IssuedKey:
    async with transaction(pool) as conn:
        return await keys.create_key(conn, role=role, partner_id=None, name=f"cast {role}")  # type: ignore[arg-type]


async def make_cast(pool: Pool, settings: Settings) -> Cast:
    partner_a, partner_b = await _partner(pool, "CAST_A"), await _partner(pool, "CAST_B")
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
        member = await members.enroll(
            conn,
            enrolment=members.Enrolment(email="cast@example.com", card_number="6390000000000021"),
            partner_id=partner_a.id,
            now=now,
        )
        token, _ = await sessions.open_session(
            conn,
            member,
            kind="TOKEN",
            key=portal_key(settings),
            lifetime=timedelta(days=1),
            now=now,
        )
    revoked = await _key(pool, "admin")
    async with transaction(pool) as conn:
        await keys.revoke_key(conn, key_id=revoked.id, at=now)
    return Cast(
        partner_a=partner_a,
        partner_b=partner_b,
        member_id=member,
        member_token=token,
        finance=(await _key(pool, "finance")).secret,
        admin=(await _key(pool, "admin")).secret,
        revoked=revoked.secret,
    )
