"""A small coalition in a database of its own, driven through the ledger services (the
ledger tests' ``Ledger``), with transfers and reads of what a member owns."""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from exchange.kit.db import Conn, Pool, transaction
from exchange.ledger import members, transfers
from exchange.ledger.outcome import Outcome, Request
from exchange.portal.senders import Code, Recipient
from partners import registry
from partners.conversions import checks, store

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ledger"))
from ledger_support import Ledger, audit_failures, base_time, new_key

__all__ = ["Ledger", "Outbox", "Program", "audit_failures", "base_time", "new_key", "sky_program"]

_codes = itertools.count(1)


@dataclass
class Outbox:
    """A code sender that keeps what it was given: (recipient, code, card to link or None)."""

    sent: list[tuple[Recipient, str, str | None]] = field(default_factory=list)

    async def send(self, conn: Conn, message: Code, *, now: datetime) -> None:
        self.sent.append((message.recipient, message.code, message.card))

    @property
    def last(self) -> str:
        return self.sent[-1][1]


@dataclass
class Program:
    pool: Pool
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.pool)

    async def partner(
        self,
        code: str,
        *,
        earn_rate: str = "1",
        issue_price: str = "0.010",
        redemption_value: str = "0.008",
        validity_days: int | None = 365,
        name: str | None = None,
    ) -> int:
        async with transaction(self.pool) as conn:
            partner, _ = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=code,
                    name=name or f"Partner {code}",
                    earn_rate=Decimal(earn_rate),
                    issue_price=Decimal(issue_price),
                    redemption_value=Decimal(redemption_value),
                    currency="EUR",
                    point_validity_days=validity_days,
                ),
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
        return partner.id

    async def member(self, *partner_ids: int, **identifiers: str) -> int:
        """A member enrolled by the first partner and shown to the others."""
        if not identifiers:
            identifiers = {"email": f"member{next(_codes)}@example.com"}
        async with transaction(self.pool) as conn:
            member_id = await members.enroll(
                conn,
                enrolment=members.Enrolment(**identifiers),
                partner_id=partner_ids[0] if partner_ids else None,
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
            for partner_id in partner_ids[1:]:
                await members.link(
                    conn, member_id=member_id, partner_id=partner_id, external_id=None
                )
        return member_id

    async def transfer(
        self,
        sender: int,
        receiver: int,
        points: int,
        *,
        now: datetime,
        key: str | None = None,
        daily_limit: int = 10_000,
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"member:{sender}",
                key or new_key("transfer"),
                transfers.OPERATION,
                {"toMemberId": receiver, "points": points},
            )
            return await transfers.transfer(
                conn,
                request,
                sender_id=sender,
                receiver_id=receiver,
                points=points,
                daily_limit=daily_limit,
                now=now,
            )

    async def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        async with transaction(self.pool) as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return list(await cur.fetchall())

    async def card_of(self, member_id: int) -> str:
        """The member's first card number (enrolment gives one to every member)."""
        (row,) = await self.rows("SELECT card_number FROM members WHERE id = %s", member_id)
        card: str = row["card_number"]
        return card

    async def balance(self, member_id: int) -> dict[str, Any]:
        (row,) = await self.rows(
            "SELECT balance, held, debt FROM member_balances WHERE member_id = %s", member_id
        )
        return row

    async def lots(self, member_id: int) -> list[tuple[int | None, int, int, datetime | None]]:
        """(issuer, points, remaining, expires_at) of the member's lots, in expiry order."""
        found = await self.rows(
            "SELECT issuer_partner_id, points, remaining, expires_at, issue_price FROM lots"
            " WHERE member_id = %s ORDER BY expires_at NULLS LAST, id",
            member_id,
        )
        return [
            (r["issuer_partner_id"], r["points"], r["remaining"], r["expires_at"]) for r in found
        ]

    async def audit(self) -> list[Any]:
        async with transaction(self.pool) as conn:
            return await audit_failures(conn)


async def sky_program(program: Program) -> dict[str, int]:
    """SkyMiles of Demo Airline (in: 1 mile = 0.8 points, out: 1 point = 1.25 miles, 100 to
    5,000 points); Ana has 10,000 points of the grocer's."""
    airline = await program.partner("AIRLINE", name="Demo Airline")
    grocer = await program.partner("GROCER", name="Demo Grocer")
    ana = await program.member(grocer, email="ana@example.com")
    ben = await program.member(grocer, email="ben@example.com")
    await program.ledger.earn(ana, grocer, "10000.00", now=base_time())
    way = {"minimum_points": 100, "maximum_points": 5000, "daily_points": None}
    rules = store.NewRules(
        partner_code="AIRLINE",
        currency="SKY",
        name="SkyMiles",
        decimals=0,
        effective_from=None,
        terms=checks.terms(
            checks.way("in", offered=True, rate_text="0.8", **way),
            checks.way("out", offered=True, rate_text="1.25", **way),
        ),
    )
    async with transaction(program.pool) as conn:
        await store.add_rules(
            conn, rules, caller="test", key=None, actor="test", now=datetime.now(UTC)
        )
    return {"airline": airline, "grocer": grocer, "ana": ana, "ben": ben}
