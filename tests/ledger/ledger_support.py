"""Driving the ledger services directly (no HTTP), one transaction per call, and reading back."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.money import Money
from exchange.ledger import burning, earning, members
from exchange.ledger.audit import run_audit
from exchange.ledger.outcome import Outcome, Request
from partners import registry, rules

_keys = itertools.count(1)


def new_key(prefix: str = "k") -> str:
    return f"{prefix}-{next(_keys)}-{secrets.token_hex(4)}"


def base_time() -> datetime:
    """A business 'now' safely in the past of the database clock.

    The audit compares lots' ``available_at`` with the database's ``now()``, so lots must
    never be created in the future of the real clock; tests move forward from here.
    """
    return datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


async def audit_failures(conn: Conn) -> list[Any]:
    return [check for check in await run_audit(conn) if not check.ok]


@dataclass
class Ledger:
    """Each call is its own transaction, like a request of the gateway."""

    pool: Pool

    async def earn(
        self,
        member_id: int,
        partner_id: int,
        amount: str = "10.00",
        *,
        now: datetime,
        points: int | None = None,
        occurred_at: datetime | None = None,
        key: str | None = None,
        order_id: str | None = "order-earn",
        caller: str | None = None,
    ) -> Outcome:
        occurred = occurred_at or now
        money = Money(Decimal(amount), "EUR")
        async with transaction(self.pool) as conn:
            terms = await registry.issuer_terms(conn, partner_id, occurred)
            if points is None:
                points = sum(
                    line.points for line in rules.earn_points(money.amount, [], terms.earn_rate)
                )
            request = Request(
                caller or f"partner:{partner_id}",
                key or new_key("earn"),
                "earnPoints",
                {
                    "memberId": member_id,
                    "amount": amount,
                    "orderId": order_id,
                    "occurredAt": occurred,
                    "points": points,
                },
            )
            return await earning.earn(
                conn,
                request,
                member_id=member_id,
                partner_id=partner_id,
                earn_rate=terms.earn_rate,
                points=points,
                amount=money,
                order_id=order_id,
                occurred_at=occurred,
                now=now,
            )

    async def reverse(
        self,
        transaction_id: int,
        amount: str | None,
        *,
        now: datetime,
        partner_id: int | None = None,
        key: str | None = None,
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}",
                key or new_key("rev"),
                "reverseEarn",
                {"transactionId": transaction_id, "amount": amount},
            )
            return await earning.reverse_earn(
                conn,
                request,
                partner_id=partner_id,
                transaction_id=transaction_id,
                amount=None if amount is None else Decimal(amount),
                now=now,
            )

    async def burn(
        self,
        member_id: int,
        partner_id: int,
        points: int,
        *,
        now: datetime,
        key: str | None = None,
        order_id: str | None = "order-burn",
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}",
                key or new_key("burn"),
                "burnPoints",
                {"memberId": member_id, "points": points, "orderId": order_id},
            )
            return await burning.burn(
                conn,
                request,
                member_id=member_id,
                partner_id=partner_id,
                points=points,
                order_id=order_id,
                now=now,
            )

    async def authorize(
        self,
        member_id: int,
        partner_id: int,
        points: int,
        *,
        now: datetime,
        ttl: timedelta = timedelta(minutes=15),
        key: str | None = None,
        order_id: str | None = "order-hold",
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}",
                key or new_key("auth"),
                "authorizeBurn",
                {
                    "memberId": member_id,
                    "points": points,
                    "orderId": order_id,
                    "ttl": ttl.total_seconds(),
                },
            )
            return await burning.authorize(
                conn,
                request,
                member_id=member_id,
                partner_id=partner_id,
                points=points,
                order_id=order_id,
                ttl=ttl,
                now=now,
            )

    async def capture(
        self,
        hold_id: int,
        partner_id: int,
        points: int | None = None,
        *,
        now: datetime,
        key: str | None = None,
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}",
                key or new_key("cap"),
                "captureBurn",
                {"holdId": hold_id, "points": points},
            )
            return await burning.capture(
                conn,
                request,
                hold_id=hold_id,
                partner_id=partner_id,
                points=points,
                now=now,
            )

    async def void(
        self, hold_id: int, partner_id: int, *, now: datetime, key: str | None = None
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}", key or new_key("void"), "voidBurn", {"holdId": hold_id}
            )
            return await burning.void(
                conn, request, hold_id=hold_id, partner_id=partner_id, now=now
            )

    async def refund(
        self,
        transaction_id: int,
        points: int | None,
        *,
        now: datetime,
        partner_id: int | None = None,
        key: str | None = None,
    ) -> Outcome:
        async with transaction(self.pool) as conn:
            request = Request(
                f"partner:{partner_id}",
                key or new_key("refund"),
                "refundBurn",
                {"transactionId": transaction_id, "points": points},
            )
            return await burning.refund(
                conn,
                request,
                partner_id=partner_id,
                transaction_id=transaction_id,
                points=points,
                now=now,
            )

    # --- reading back -------------------------------------------------------------------

    async def fetch(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        async with transaction(self.pool) as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return list(await cur.fetchall())

    async def balance(self, member_id: int) -> dict[str, int]:
        rows = await self.fetch(
            "SELECT balance, held, debt, seq FROM member_balances WHERE member_id = %s",
            member_id,
        )
        return dict(rows[0])

    async def lots(self, member_id: int) -> list[dict[str, Any]]:
        return await self.fetch("SELECT * FROM lots WHERE member_id = %s ORDER BY id", member_id)

    async def lot_of(self, entry_id: int) -> dict[str, Any]:
        rows = await self.fetch("SELECT * FROM lots WHERE entry_id = %s", entry_id)
        assert len(rows) == 1, rows
        return rows[0]

    async def hold(self, hold_id: int) -> dict[str, Any]:
        return (await self.fetch("SELECT * FROM holds WHERE id = %s", hold_id))[0]

    async def row_counts(self, member_id: int) -> dict[str, int]:
        """Rows of everything a movement may write, for one member."""
        queries = {
            "journal_entries": "SELECT count(*) AS n FROM journal_entries WHERE member_id = %s",
            "postings": "SELECT count(*) AS n FROM postings p JOIN journal_entries e"
            " ON e.id = p.entry_id WHERE e.member_id = %s",
            "outbox_events": "SELECT count(*) AS n FROM outbox_events WHERE member_id = %s",
            "lot_consumptions": "SELECT count(*) AS n FROM lot_consumptions WHERE member_id = %s",
            "lots": "SELECT count(*) AS n FROM lots WHERE member_id = %s",
            "holds": "SELECT count(*) AS n FROM holds WHERE member_id = %s",
            "balance_seq": "SELECT seq AS n FROM member_balances WHERE member_id = %s",
        }
        counts = {}
        for name, sql in queries.items():
            counts[name] = (await self.fetch(sql, member_id))[0]["n"]
        return counts

    async def events(self, member_id: int) -> list[dict[str, Any]]:
        return await self.fetch(
            "SELECT * FROM outbox_events WHERE member_id = %s ORDER BY id", member_id
        )

    async def link(self, member_id: int, partner_id: int) -> None:
        async with transaction(self.pool) as conn:
            await members.link(conn, member_id=member_id, partner_id=partner_id, external_id=None)

    async def audit_failures(self) -> list[Any]:
        async with transaction(self.pool) as conn:
            return await audit_failures(conn)
