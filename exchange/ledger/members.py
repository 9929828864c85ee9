"""Members: enrolment, lookup by any of their identifiers, and what partners were shown."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.kit.ids import to_global_id
from exchange.ledger import events
from exchange.ledger import repository as repo
from exchange.ledger.errors import MemberAlreadyEnrolled, MemberNotFound

CARD_PREFIX = "6390"
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,63}$")
PHONE = re.compile(r"^\+[1-9][0-9]{6,14}$")
CARD = re.compile(r"^[0-9]{8,19}$")
EXTERNAL_ID = re.compile(r"^[\x21-\x7e]{1,128}$")
MAX_IDENTIFIER = 254  # the widest identifier column (email)
MAX_REASON = 500


@dataclass(frozen=True)
class Enrolment:
    email: str | None = None
    phone: str | None = None
    card_number: str | None = None
    external_id: str | None = None


def luhn_check_digit(digits: str) -> str:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return str((10 - total % 10) % 10)


def new_card_number() -> str:
    body = CARD_PREFIX + "".join(secrets.choice("0123456789") for _ in range(11))
    return body + luhn_check_digit(body)


def normalize(enrolment: Enrolment) -> Enrolment:
    """Validate identifiers: an email, an E.164 phone, digits for a card number."""
    email = enrolment.email.strip().lower() if enrolment.email else None
    card = re.sub(r"[\s-]", "", enrolment.card_number) if enrolment.card_number else None
    checks = [
        (email, EMAIL, "email", "a valid email address"),
        (enrolment.phone, PHONE, "phone", "an E.164 phone number such as +37360123456"),
        (card, CARD, "cardNumber", "8 to 19 digits"),
        (enrolment.external_id, EXTERNAL_ID, "externalId", "1 to 128 visible ASCII characters"),
    ]
    for value, pattern, field, expected in checks:
        if value is not None and (len(value) > MAX_IDENTIFIER or not pattern.match(value)):
            raise InvalidInput(f"{field} must be {expected}", field=[field])
    return Enrolment(
        email=email, phone=enrolment.phone, card_number=card, external_id=enrolment.external_id
    )


async def enroll(conn: Conn, *, enrolment: Enrolment, partner_id: int | None, now: datetime) -> int:
    """Create a member with its points account and balance row; link the enrolling partner."""
    data = normalize(enrolment)
    card = data.card_number or new_card_number()
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO members (email, phone, card_number, enrolled_by_partner_id,"
                " created_at) VALUES (%s, %s, %s, %s, %s) RETURNING id",
                (data.email, data.phone, card, partner_id, now),
            )
            row = await cur.fetchone()
            assert row is not None
            member_id: int = row["id"]
            await conn.execute(
                "WITH account AS (INSERT INTO accounts (kind, member_id) VALUES ('MEMBER', %s)"
                " RETURNING id) INSERT INTO member_balances (member_id, account_id, updated_at)"
                " SELECT %s, id, %s FROM account",
                (member_id, member_id, now),
            )
            if partner_id is not None:
                await link(
                    conn, member_id=member_id, partner_id=partner_id, external_id=data.external_id
                )
    except psycopg.errors.UniqueViolation as error:
        raise MemberAlreadyEnrolled(_which_identifier(str(error))) from None
    return member_id


def _which_identifier(message: str) -> str:
    for column, field in (
        ("email", "email"),
        ("phone", "phone"),
        ("card_number", "cardNumber"),
        ("external", "externalId"),
    ):
        if column in message:
            return f"a member with this {field} is already enrolled"
    return "this member is already enrolled"


async def link(conn: Conn, *, member_id: int, partner_id: int, external_id: str | None) -> None:
    """Record that the partner was shown the member (and its own id for the member)."""
    await conn.execute(
        "INSERT INTO member_partner_links (member_id, partner_id, external_id)"
        " VALUES (%s, %s, %s) ON CONFLICT (member_id, partner_id) DO UPDATE"
        " SET external_id = coalesce(member_partner_links.external_id, EXCLUDED.external_id)",
        (member_id, partner_id, external_id),
    )


async def find(
    conn: Conn,
    *,
    partner_id: int | None,
    member_id: int | None = None,
    card_number: str | None = None,
    external_id: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> int:
    """Find a member by one identifier. A partner finds only members it was shown, except by
    card number: presenting a card at the till shows the member to that partner."""
    given = [v for v in (member_id, card_number, external_id, email, phone) if v is not None]
    if len(given) != 1:
        raise InvalidInput("give exactly one of id, cardNumber, externalId, email or phone")
    if card_number is not None:
        card = re.sub(r"[\s-]", "", card_number)
        found = await _one(
            conn,
            "SELECT id FROM members WHERE card_number = %s UNION ALL"
            " SELECT member_id FROM member_cards WHERE card_number = %s",
            card,
            card,
        )
        if found is not None and partner_id is not None:
            await link(conn, member_id=found, partner_id=partner_id, external_id=None)
    elif external_id is not None:
        if partner_id is None:
            raise InvalidInput("externalId lookups are made by the partner that set it")
        found = await _one(
            conn,
            "SELECT member_id AS id FROM member_partner_links"
            " WHERE partner_id = %s AND external_id = %s",
            partner_id,
            external_id,
        )
    elif member_id is not None:
        found = await _one(conn, "SELECT id FROM members WHERE id = %s", member_id)
    else:
        found = await _by_contact(conn, email, phone)
    if found is None or (partner_id is not None and not await is_shown(conn, found, partner_id)):
        raise MemberNotFound("no member with this identifier")
    return found


async def _by_contact(conn: Conn, email: str | None, phone: str | None) -> int | None:
    if email is not None:
        return await _one(conn, "SELECT id FROM members WHERE email = %s", email.strip().lower())
    return await _one(conn, "SELECT id FROM members WHERE phone = %s", phone)


async def _one(conn: Conn, sql: str, *params: Any) -> int | None:
    cur = await conn.execute(sql, params)
    row = await cur.fetchone()
    return None if row is None else int(row["id"])


async def is_shown(conn: Conn, member_id: int, partner_id: int) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM member_partner_links WHERE member_id = %s AND partner_id = %s",
        (member_id, partner_id),
    )
    return await cur.fetchone() is not None


async def close(conn: Conn, member_id: int, now: datetime, *, reason: str | None = None) -> None:
    """Close a member's account: from then on no points move for it.

    The member's balance row is locked first, as every movement of its points does, so a
    closure waits for a movement in flight and no movement starts on a closed member. The
    closure is recorded as a ``member.closed`` outbox event carrying the reason."""
    if reason is not None and not (0 < len(reason) <= MAX_REASON and reason.isprintable()):
        raise InvalidInput(
            f"reason must be 1 to {MAX_REASON} printable characters", field=["reason"]
        )
    await repo.lock_active_member(conn, member_id, None)
    await conn.execute("UPDATE members SET status = 'CLOSED' WHERE id = %s", (member_id,))
    await events.emit(
        conn,
        event_type="member.closed",
        partner_id=None,
        member_id=member_id,
        member_seq=None,
        entry_id=None,
        created_at=now,
        data={"memberId": to_global_id("Member", member_id), "reason": reason},
    )
