"""A member sends points to another member (the web app and ``transferPoints`` both come
here): one transaction, idempotent per member and key.

The recipient is named by member id, or by email together with one of its card numbers, as
airline programs ask for a member number and a name: an email alone would let any member
learn which emails belong to members. Every way of not naming a member (an email nobody has,
a card that is not that email's, an id nobody has) is the same ``MEMBER_NOT_FOUND``, and a
sender gets five of them an hour (``RATE_LIMITED`` after, per member: ``throttle``). The
recipient is found before any other check, so the refusals about the sender's own points and
limits say nothing about who is a member.
"""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.money import check_points
from exchange.ledger import cards, members, transfers
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome, Request
from exchange.portal import throttle


async def _by_email_and_card(conn: Conn, email: str, card: str) -> int | None:
    cur = await conn.execute(
        "SELECT m.id FROM members m WHERE m.email = %(email)s AND (m.card_number = %(card)s"
        " OR EXISTS (SELECT 1 FROM member_cards c"
        "   WHERE c.card_number = %(card)s AND c.member_id = m.id))",
        {"email": email.strip().lower(), "card": card},
    )
    row = await cur.fetchone()
    return None if row is None else int(row["id"])


async def _by_id(conn: Conn, member_id: int) -> int | None:
    try:
        return await members.find(conn, partner_id=None, member_id=member_id)
    except MemberNotFound:
        return None


async def find_recipient(
    pool: Pool,
    *,
    sender_id: int,
    to_member_id: int | None,
    to_email: str | None,
    to_card_number: str | None,
    now: datetime,
) -> int:
    """The receiving member; a refusal for a recipient that is nobody is counted (it
    commits) before it is raised."""
    if (to_member_id is None) == (to_email is None):
        raise InvalidInput("give exactly one of toMemberId and toEmail", field=["toMemberId"])
    if to_email is not None and to_card_number is None:
        raise InvalidInput(
            "toEmail goes with toCardNumber: the recipient's email and one of its card numbers",
            field=["toCardNumber"],
        )
    card = None if to_card_number is None else cards.check_card(to_card_number, "toCardNumber")
    buckets = throttle.Buckets.of_member(sender_id)
    async with transaction(pool) as conn:
        await throttle.check(conn, "TRANSFER_REFUSED", buckets, now)
        if to_email is not None and card is not None:
            found = await _by_email_and_card(conn, to_email, card)
        else:
            assert to_member_id is not None
            found = await _by_id(conn, to_member_id)
        if found is None:
            await throttle.record(conn, "TRANSFER_REFUSED", buckets, now)
    if found is None:
        if to_email is not None:
            raise MemberNotFound("no member has this email and card number", field=["toEmail"])
        raise MemberNotFound("no member with this id", field=["toMemberId"])
    return found


async def send_points(
    pool: Pool,
    *,
    sender_id: int,
    to_member_id: int | None,
    to_email: str | None,
    to_card_number: str | None,
    points: int,
    idempotency_key: str,
    daily_limit: int,
    now: datetime,
) -> Outcome:
    check_points(points)
    receiver = await find_recipient(
        pool,
        sender_id=sender_id,
        to_member_id=to_member_id,
        to_email=to_email,
        to_card_number=to_card_number,
        now=now,
    )
    async with transaction(pool) as conn:
        request = Request(
            f"member:{sender_id}",
            idempotency_key,
            transfers.OPERATION,
            {"toMemberId": receiver, "points": points},
        )
        return await transfers.transfer(
            conn,
            request,
            sender_id=sender_id,
            receiver_id=receiver,
            points=points,
            daily_limit=daily_limit,
            now=now,
        )
