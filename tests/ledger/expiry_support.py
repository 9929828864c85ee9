"""Helpers of the expiry tests: one chunk expired directly, operator-issued points, and a
scratch database for runs, whose totals count every due member of the database."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import psycopg

from exchange.kit.db import Pool, ensure_database, open_pool, transaction, with_database
from exchange.ledger import expiry, members
from exchange.ledger.expiry import ExpiryPolicy, ExpiryRun
from exchange.migrations import upgrade
from partners import registry

VALIDITY = ExpiryPolicy("lot_validity")


def inactivity(days: int = 365) -> ExpiryPolicy:
    return ExpiryPolicy("inactivity", timedelta(days=days))


async def expire(
    pool: Pool,
    *member_ids: int,
    as_of: datetime,
    now: datetime | None = None,
    policy: ExpiryPolicy = VALIDITY,
) -> ExpiryRun:
    """Expire what is due of these members only, in one transaction (one chunk of a run)."""
    async with transaction(pool) as conn:
        return await expiry.expire_members(
            conn, list(member_ids), as_of=as_of, policy=policy, now=now or as_of
        )


async def grant_bonus(
    pool: Pool, member_id: int, points: int, *, now: datetime, expires_at: datetime | None
) -> int:
    """Operator-issued points (no partner): a BONUS entry and its lot, as a bonus feature
    will write them. Returns the lot id."""
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "WITH entry AS (INSERT INTO journal_entries (kind, member_id, points, reason,"
            "   occurred_at, posted_at) VALUES ('BONUS', %(m)s, %(p)s, 'Welcome bonus',"
            "   %(now)s, %(now)s) RETURNING id),"
            " posted AS (INSERT INTO postings (entry_id, account_id, points)"
            "   SELECT entry.id, side.account_id, side.points FROM entry CROSS JOIN LATERAL"
            "   (VALUES ((SELECT account_id FROM member_balances WHERE member_id = %(m)s), %(p)s),"
            "    ((SELECT id FROM accounts WHERE kind = 'OPERATOR_BONUS'), -%(p)s))"
            "   AS side (account_id, points)),"
            " balance AS (UPDATE member_balances SET balance = balance + %(p)s, seq = seq + 1"
            "   WHERE member_id = %(m)s)"
            " INSERT INTO lots (member_id, issuer_partner_id, entry_id, points, remaining,"
            "   earned_at, available_at, expires_at)"
            " SELECT %(m)s, NULL, entry.id, %(p)s, %(p)s, %(now)s, %(now)s, %(exp)s FROM entry"
            " RETURNING id",
            {"m": member_id, "p": points, "now": now, "exp": expires_at},
        )
        row = await cur.fetchone()
    assert row is not None
    return int(row["id"])


@asynccontextmanager
async def scratch_pool(database_url: str) -> AsyncIterator[Pool]:
    """A migrated database of its own, dropped afterwards."""
    server = with_database(database_url, "postgres")
    name = f"exchange_expiry_{secrets.token_hex(4)}"
    ensure_database(server, name)
    url = with_database(database_url, name)
    try:
        upgrade(url)
        pool = await open_pool(url, size=8)
        try:
            yield pool
        finally:
            await pool.close()
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def scratch_partner(pool: Pool, *, validity_days: int | None) -> int:
    code = f"EXP_{secrets.token_hex(4).upper()}"
    async with transaction(pool) as conn:
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=code,
                name=code,
                earn_rate=Decimal(1),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=validity_days,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return partner.id


async def scratch_member(pool: Pool, partner_id: int) -> int:
    async with transaction(pool) as conn:
        return await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner_id, now=datetime.now(UTC)
        )


async def fetch(pool: Pool, sql: str, *params: Any) -> list[dict[str, Any]]:
    async with transaction(pool) as conn:
        cur = await conn.execute(sql, params)  # type: ignore[arg-type]
        return list(await cur.fetchall())
