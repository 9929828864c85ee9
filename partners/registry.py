"""The partner registry: partners, their accounts, and effective-dated prices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import psycopg

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidAmount, InvalidInput
from exchange.ledger.burning import RedeemerTerms
from exchange.ledger.earning import IssuerTerms
from partners import earn_rule_versions
from partners.errors import NoPriceInForce, PartnerExists, PartnerNotFound, PartnerSuspended
from partners.keys import IssuedKey, create_key

CODE = re.compile(r"^[A-Z0-9_]{2,32}$")
MAX_PRICE = Decimal("1000")
BACKDATE_LIMIT = timedelta(minutes=5)
"""How far in the past a new price may take effect (clock skew between caller and server)."""


@dataclass(frozen=True)
class Partner:
    id: int
    code: str
    name: str
    status: str
    billing: str
    credit_limit_points: int
    earn_rate: Decimal
    point_validity_days: int | None
    created_at: datetime


@dataclass(frozen=True)
class Price:
    """One effective-dated price row of a partner."""

    partner_id: int
    effective_from: datetime
    issue_price: Decimal
    redemption_value: Decimal
    currency: str


@dataclass(frozen=True)
class NewPartner:
    code: str
    name: str
    earn_rate: Decimal
    issue_price: Decimal
    redemption_value: Decimal
    currency: str
    point_validity_days: int | None = None
    billing: str = "POSTPAID"


def parse_price(value: str, field: str) -> Decimal:
    """A money-per-point price: a non-negative decimal with at most 6 decimals."""
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise InvalidAmount(f"{field} {value!r} is not a decimal number", field=[field]) from None
    exponent = price.as_tuple().exponent
    if (
        not price.is_finite()
        or price < 0
        or price > MAX_PRICE
        or (isinstance(exponent, int) and exponent < -6)
    ):
        raise InvalidAmount(
            f"{field} must be between 0 and {MAX_PRICE} with at most 6 decimals", field=[field]
        )
    return price


async def create_partner(
    conn: Conn, new: NewPartner, *, now: datetime
) -> tuple[Partner, IssuedKey]:
    """Register a partner with its two points accounts, its first price, its first earn rules
    (version 1: ``earn_rate`` on every purchase) and its first API key."""
    if not CODE.match(new.code):
        raise InvalidInput("code must be 2 to 32 of A-Z, 0-9 and _", field=["code"])
    if not new.name.strip() or len(new.name) > 200:
        raise InvalidInput("name must be 1 to 200 characters", field=["name"])
    if new.point_validity_days is not None and not 0 < new.point_validity_days <= 36500:
        raise InvalidInput(
            "pointValidityDays must be between 1 and 36500", field=["pointValidityDays"]
        )
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO partners (code, name, billing, earn_rate, point_validity_days,"
                " created_at) VALUES (%s, %s, %s, %s, %s, %s) RETURNING *",
                (
                    new.code,
                    new.name.strip(),
                    new.billing,
                    new.earn_rate,
                    new.point_validity_days,
                    now,
                ),
            )
    except psycopg.errors.UniqueViolation:
        raise PartnerExists(f"a partner with code {new.code} exists", field=["code"]) from None
    partner = _partner(await cur.fetchone())
    await conn.execute(
        "INSERT INTO accounts (kind, partner_id) VALUES ('PARTNER_ISSUED', %s),"
        " ('PARTNER_REDEEMED', %s)",
        (partner.id, partner.id),
    )
    if partner.billing == "PREPAID":  # its allowance: no blocks yet, only its credit limit
        await conn.execute("INSERT INTO prepaid_allowances (partner_id) VALUES (%s)", (partner.id,))
    await set_price(
        conn,
        partner_id=partner.id,
        effective_from=now,
        issue_price=new.issue_price,
        redemption_value=new.redemption_value,
        currency=new.currency,
    )
    await earn_rule_versions.add_first(conn, partner.id, new.earn_rate, now=now)
    key = await create_key(conn, role="partner", partner_id=partner.id, name="first key")
    return partner, key


async def set_price(
    conn: Conn,
    *,
    partner_id: int,
    effective_from: datetime,
    issue_price: Decimal,
    redemption_value: Decimal,
    currency: str,
) -> None:
    await conn.execute(
        "INSERT INTO partner_prices (partner_id, effective_from, issue_price, redemption_value,"
        " currency) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (partner_id, effective_from)"
        " DO UPDATE SET issue_price = EXCLUDED.issue_price,"
        " redemption_value = EXCLUDED.redemption_value",
        (partner_id, effective_from, issue_price, redemption_value, currency),
    )


async def schedule_price(
    conn: Conn,
    *,
    code: str,
    effective_from: datetime,
    issue_price: Decimal,
    redemption_value: Decimal,
    currency: str,
    now: datetime,
) -> Partner:
    """Add a price row from ``effective_from`` on, never rewriting a price already used.

    A price is used by every entry of the partner whose business time is at or after the
    row's start, so a new row may start only after the last such entry (and not more than
    ``BACKDATE_LIMIT`` before ``now``). The partner's row is locked: two admins setting
    prices for one partner are serialized."""
    if effective_from < now - BACKDATE_LIMIT:
        raise InvalidInput(
            "effectiveFrom may not be in the past: prices already used never change",
            field=["effectiveFrom"],
        )
    partner = await lock_partner(conn, code)
    cur = await conn.execute(
        "SELECT max(occurred_at) AS last FROM journal_entries"
        " WHERE partner_id = %s AND occurred_at >= %s",
        (partner.id, effective_from),
    )
    used = await cur.fetchone()
    if used is not None and used["last"] is not None:
        raise InvalidInput(
            "the price in force at effectiveFrom was already used by an entry at"
            f" {used['last'].isoformat()}; effectiveFrom must be later",
            field=["effectiveFrom"],
        )
    await set_price(
        conn,
        partner_id=partner.id,
        effective_from=effective_from,
        issue_price=issue_price,
        redemption_value=redemption_value,
        currency=currency,
    )
    return partner


async def prices_of(conn: Conn, partner_ids: list[int], *, first: int) -> dict[int, list[Price]]:
    """Each partner's ``first`` latest price rows, latest effective first."""
    cur = await conn.execute(
        "SELECT partner_id, effective_from, issue_price, redemption_value, currency FROM"
        " (SELECT *, row_number() OVER (PARTITION BY partner_id ORDER BY effective_from DESC)"
        "   AS n FROM partner_prices WHERE partner_id = ANY(%s)) ranked"
        " WHERE n <= %s ORDER BY partner_id, effective_from DESC",
        (partner_ids, first),
    )
    found: dict[int, list[Price]] = {partner_id: [] for partner_id in partner_ids}
    for row in await cur.fetchall():
        found[row["partner_id"]].append(Price(**row))
    return found


def _partner(row: dict[str, Any] | None) -> Partner:
    if row is None:
        raise PartnerNotFound("no such partner")
    return Partner(**{name: row[name] for name in Partner.__dataclass_fields__})


async def lock_partner(conn: Conn, code: str) -> Partner:
    """The partner's row, locked until the transaction ends: admin changes to one partner
    are serialized. ``NO KEY UPDATE``: rows that refer to the partner (a settlement statement,
    a member link, a point block) may still be written meanwhile."""
    cur = await conn.execute("SELECT * FROM partners WHERE code = %s FOR NO KEY UPDATE", (code,))
    row = await cur.fetchone()
    if row is None:
        raise PartnerNotFound(f"no partner with code {code}", field=["partnerCode"])
    return _partner(row)


async def get_partner(
    conn: Conn, *, partner_id: int | None = None, code: str | None = None
) -> Partner:
    cur = await conn.execute(
        "SELECT * FROM partners WHERE id = %s OR code = %s", (partner_id, code)
    )
    return _partner(await cur.fetchone())


async def partners_by_id(conn: Conn, ids: list[int]) -> dict[int, Partner]:
    cur = await conn.execute("SELECT * FROM partners WHERE id = ANY(%s)", (ids,))
    return {row["id"]: _partner(row) for row in await cur.fetchall()}


async def list_partners(conn: Conn) -> list[Partner]:
    cur = await conn.execute("SELECT * FROM partners ORDER BY id")
    return [_partner(row) for row in await cur.fetchall()]


async def price_at(conn: Conn, partner_id: int, at: datetime) -> dict[str, Any]:
    cur = await conn.execute(
        "SELECT p.status, p.earn_rate, p.point_validity_days, pr.issue_price,"
        " pr.redemption_value, pr.currency FROM partners p"
        " LEFT JOIN LATERAL (SELECT * FROM partner_prices WHERE partner_id = p.id"
        "   AND effective_from <= %s ORDER BY effective_from DESC LIMIT 1) pr ON true"
        " WHERE p.id = %s",
        (at, partner_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise PartnerNotFound("no such partner")
    if row["status"] != "ACTIVE":
        raise PartnerSuspended("this partner is suspended")
    if row["issue_price"] is None:
        raise NoPriceInForce(f"no price was in force at {at.isoformat()}", field=["occurredAt"])
    return row


async def issuer_terms(conn: Conn, partner_id: int, at: datetime) -> IssuerTerms:
    row = await price_at(conn, partner_id, at)
    return IssuerTerms(
        partner_id=partner_id,
        issue_price=row["issue_price"],
        earn_rate=row["earn_rate"],
        validity_days=row["point_validity_days"],
    )


async def redeemer_terms(conn: Conn, partner_id: int, at: datetime) -> RedeemerTerms:
    row = await price_at(conn, partner_id, at)
    return RedeemerTerms(
        partner_id=partner_id, redemption_value=row["redemption_value"], currency=row["currency"]
    )
