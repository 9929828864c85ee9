"""The account of a pooled account: a member row of kind POOL (no email, phone or card: no one
logs in to it or shows it at a till) with its points account and balance row, so that its lots,
postings, locks, burns, transfers and expiry are the ledger's as for any member."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn


async def open_account(conn: Conn, *, now: datetime) -> int:
    """A new pool account; returns its member id."""
    cur = await conn.execute(
        "WITH m AS (INSERT INTO members (kind, created_at) VALUES ('POOL', %(now)s) RETURNING id),"
        " a AS (INSERT INTO accounts (kind, member_id) SELECT 'MEMBER', id FROM m RETURNING id,"
        "   member_id)"
        " INSERT INTO member_balances (member_id, account_id, updated_at)"
        " SELECT member_id, id, %(now)s FROM a RETURNING member_id",
        {"now": now},
    )
    row = await cur.fetchone()
    assert row is not None
    member_id: int = row["member_id"]
    return member_id
