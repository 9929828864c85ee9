"""Prepaid partners (migration 0011): a partner's billing, the point blocks a PREPAID partner
buys, and its allowance (bought + credit limit - drawn) that its earns draw from.

The earn path draws (``ledger_earn``, ``import_post_chunk``) and a reversal gives back
(``exchange.ledger.earning``); here the allowance row is created and blocks added to it."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.kit.money import MAX_POINTS, check_points
from exchange.ledger import idempotency
from partners import registry
from partners.registry import Partner

BILLINGS = ("POSTPAID", "PREPAID")
MAX_REFERENCE = 140


@dataclass(frozen=True)
class PointBlock:
    id: int
    partner_id: int
    points: int
    price_per_point: Decimal
    currency: str
    reference: str
    bought_at: datetime
    created_by: str

    @property
    def amount(self) -> Decimal:
        """What the partner owes for the block (exact; settlement rounds its line)."""
        return self.points * self.price_per_point


@dataclass(frozen=True)
class Allowance:
    partner_id: int
    points_bought: int
    points_drawn: int
    credit_limit_points: int

    @property
    def points_left(self) -> int:
        """Points the partner may still issue: bought + credit limit - drawn, never below 0
        (a credit limit lowered below what is drawn leaves nothing)."""
        return max(0, self.points_bought + self.credit_limit_points - self.points_drawn)


@dataclass(frozen=True)
class NewBlock:
    partner_code: str
    points: int
    price_per_point: Decimal
    currency: str
    reference: str

    def request(self) -> dict[str, Any]:
        """The input an idempotency key is bound to."""
        return {
            "partnerCode": self.partner_code,
            "points": self.points,
            "pricePerPoint": self.price_per_point,
            "currency": self.currency,
            "reference": self.reference,
        }


def _check_limit(credit_limit_points: int | None) -> None:
    if credit_limit_points is not None and not 0 <= credit_limit_points <= MAX_POINTS:
        raise InvalidInput(
            f"creditLimitPoints must be between 0 and {MAX_POINTS}", field=["creditLimitPoints"]
        )


async def set_billing(
    conn: Conn, *, code: str, billing: str, credit_limit_points: int | None
) -> Partner:
    """POSTPAID or PREPAID, and the credit limit (None: unchanged). A partner becoming PREPAID
    gets its allowance row (kept if it was PREPAID before: its blocks stay usable); one that
    still owes points it drew on credit beyond its blocks cannot become POSTPAID."""
    if billing not in BILLINGS:
        raise InvalidInput("billing must be POSTPAID or PREPAID", field=["billing"])
    _check_limit(credit_limit_points)
    partner = await registry.lock_partner(conn, code)
    if billing == "PREPAID":
        await conn.execute(
            "INSERT INTO prepaid_allowances (partner_id) VALUES (%s) ON CONFLICT DO NOTHING",
            (partner.id,),
        )
    else:
        await _check_nothing_on_credit(conn, partner.id)
    await conn.execute(
        "UPDATE partners SET billing = %s, credit_limit_points = coalesce(%s,"
        " credit_limit_points) WHERE id = %s",
        (billing, credit_limit_points, partner.id),
    )
    return await registry.get_partner(conn, partner_id=partner.id)


async def _check_nothing_on_credit(conn: Conn, partner_id: int) -> None:
    cur = await conn.execute(
        "SELECT points_drawn - points_bought AS owed FROM prepaid_allowances"
        " WHERE partner_id = %s FOR UPDATE",
        (partner_id,),
    )
    row = await cur.fetchone()
    if row is not None and row["owed"] > 0:
        raise InvalidInput(
            f"the partner drew {row['owed']} points on credit beyond its point blocks: record"
            " a block for them before it becomes POSTPAID",
            field=["billing"],
        )


def _check_reference(reference: str) -> str:
    reference = reference.strip()
    if not reference or len(reference) > MAX_REFERENCE or not reference.isprintable():
        raise InvalidInput(
            f"reference must be 1 to {MAX_REFERENCE} printable characters", field=["reference"]
        )
    return reference


async def record_block(
    conn: Conn,
    new: NewBlock,
    *,
    caller: str,
    key: str | None,
    actor: str,
    now: datetime,
) -> PointBlock:
    """A block the PREPAID partner bought: its points join the allowance at once, and the
    next settlement batch bills points x price. With a key already used for the same input,
    the block it recorded (nothing more is recorded)."""
    check_points(new.points)
    new = replace(new, reference=_check_reference(new.reference))
    if key is not None:
        done = await idempotency.claim(
            conn, caller=caller, key=key, operation="recordPointBlock", request=new.request()
        )
        if done is not None:
            return await _block(conn, int(done["block_id"]))
    partner = await registry.lock_partner(conn, new.partner_code)
    if partner.billing != "PREPAID":
        raise InvalidInput(
            f"partner {partner.code} is POSTPAID: set its billing to PREPAID first",
            field=["partnerCode"],
        )
    block = await _insert_block(conn, partner.id, new, actor=actor, now=now)
    await conn.execute(
        "UPDATE prepaid_allowances SET points_bought = points_bought + %s WHERE partner_id = %s",
        (block.points, partner.id),
    )
    if key is not None:
        await idempotency.store(conn, caller=caller, key=key, response={"block_id": block.id})
    return block


_BLOCK_COLUMNS = (
    "id, partner_id, points, price_per_point, currency, reference, bought_at, created_by"
)


async def _insert_block(
    conn: Conn, partner_id: int, new: NewBlock, *, actor: str, now: datetime
) -> PointBlock:
    cur = await conn.execute(
        "INSERT INTO point_blocks (partner_id, points, price_per_point, currency, reference,"
        " bought_at, posted_at, created_by) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
        f" RETURNING {_BLOCK_COLUMNS}",
        (partner_id, new.points, new.price_per_point, new.currency, new.reference, now, now, actor),
    )
    row = await cur.fetchone()
    assert row is not None
    return PointBlock(**row)


async def _block(conn: Conn, block_id: int) -> PointBlock:
    cur = await conn.execute(
        f"SELECT {_BLOCK_COLUMNS} FROM point_blocks WHERE id = %s", (block_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "blocks are never deleted"
    return PointBlock(**row)


async def allowances_of(conn: Conn, partner_ids: list[int]) -> dict[int, Allowance]:
    """The partners' allowances (those that are or were PREPAID)."""
    cur = await conn.execute(
        "SELECT a.partner_id, a.points_bought, a.points_drawn, p.credit_limit_points"
        " FROM prepaid_allowances a JOIN partners p ON p.id = a.partner_id"
        " WHERE a.partner_id = ANY(%s)",
        (partner_ids,),
    )
    return {row["partner_id"]: Allowance(**row) for row in await cur.fetchall()}


async def blocks_of(conn: Conn, partner_id: int, *, first: int) -> list[PointBlock]:
    """The partner's latest blocks, newest first."""
    cur = await conn.execute(
        f"SELECT {_BLOCK_COLUMNS} FROM point_blocks WHERE partner_id = %s"
        " ORDER BY id DESC LIMIT %s",
        (partner_id, first),
    )
    return [PointBlock(**row) for row in await cur.fetchall()]
