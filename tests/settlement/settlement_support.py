"""A coalition in a database of its own, driven through the ledger services (the ledger
tests' ``Ledger``), and settlement read back as plain rows."""

from __future__ import annotations

import itertools
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from exchange.kit.db import Pool, transaction
from exchange.ledger import members
from partners import prepaid, registry
from settlement import repository

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ledger"))
from ledger_support import Ledger, audit_failures

__all__ = ["Coalition", "Ledger", "audit_failures"]

_codes = itertools.count(1)


@dataclass
class Coalition:
    pool: Pool
    ledger: Ledger = field(init=False)

    def __post_init__(self) -> None:
        self.ledger = Ledger(self.pool)

    async def partner(
        self,
        code: str,
        *,
        earn_rate: str,
        issue_price: str,
        redemption_value: str,
        validity_days: int | None = 365,
    ) -> int:
        async with transaction(self.pool) as conn:
            partner, _ = await registry.create_partner(
                conn,
                registry.NewPartner(
                    code=code,
                    name=f"Partner {code}",
                    earn_rate=Decimal(earn_rate),
                    issue_price=Decimal(issue_price),
                    redemption_value=Decimal(redemption_value),
                    currency="EUR",
                    point_validity_days=validity_days,
                ),
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )
        return partner.id

    async def prepaid_partner(self, code: str, *, credit_limit: int, **terms: Any) -> int:
        """A PREPAID partner (terms as ``partner``) with a credit limit and no block yet."""
        partner_id = await self.partner(code, **terms)
        async with transaction(self.pool) as conn:
            await prepaid.set_billing(
                conn, code=code, billing="PREPAID", credit_limit_points=credit_limit
            )
        return partner_id

    async def buy_block(
        self, code: str, points: int, price: str, *, now: datetime, reference: str = "INV"
    ) -> prepaid.PointBlock:
        async with transaction(self.pool) as conn:
            return await prepaid.record_block(
                conn,
                prepaid.NewBlock(code, points, Decimal(price), "EUR", reference),
                caller="test",
                key=None,
                actor="finance test",
                now=now,
            )

    async def member(self, partner_id: int) -> int:
        async with transaction(self.pool) as conn:
            return await members.enroll(
                conn,
                enrolment=members.Enrolment(email=f"m{next(_codes)}@example.com"),
                partner_id=partner_id,
                now=datetime(2020, 1, 1, tzinfo=UTC),
            )

    async def statements(self, batch_id: int) -> dict[str, dict[str, Any]]:
        async with transaction(self.pool) as conn:
            rows = await repository.statement_rows(conn, batch_id)
        return {row["partner_code"]: row for row in rows}

    async def lines(self, batch_id: int) -> list[tuple[Any, ...]]:
        """(partner, kind, adjustment, unit price, points, exact amount, amount) per line."""
        async with transaction(self.pool) as conn:
            rows = await repository.line_rows(conn, batch_id)
        return [
            (
                r["partner_code"],
                r["kind"],
                r["adjustment"],
                r["unit_price"],
                r["points"],
                r["exact_amount"],
                r["amount"],
            )
            for r in rows
        ]

    async def flows(self, batch_id: int) -> list[tuple[str | None, str, int, Decimal]]:
        async with transaction(self.pool) as conn:
            rows = await repository.flow_rows(conn, batch_id)
        return [
            (r["issuer_code"], r["redeemer_code"], r["points"], r["exact_amount"]) for r in rows
        ]

    async def payments(self, batch_id: int) -> list[tuple[str | None, str | None, Decimal]]:
        async with transaction(self.pool) as conn:
            rows = await repository.payment_rows(conn, batch_id)
        return [(r["payer_code"], r["payee_code"], r["amount"]) for r in rows]
