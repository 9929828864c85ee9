"""Linking a card takes proof that it is the member's own: a one-time code sent to the email
or phone of the member that has the card now (through the same pluggable sender as login
codes), typed back by the member asking. Only then does the card move to the account.

What the member asking is told never depends on whether the card exists: asking always
answers "if the card can be linked, a code is on its way" (nothing is sent for a number that
is nobody's, a closed holder's, or one whose holder has no email or phone), and every wrong,
expired or never-sent code is the same refusal. Asking is limited per member, per card (its
holder is not flooded with codes, whoever asks) and per address; wrong codes per member and
per address (``throttle``); a code works five times at most, for the login code's lifetime,
and for this member and this card only.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.settings import Settings
from exchange.ledger import cards
from exchange.portal import codes, throttle
from exchange.portal.errors import InvalidCardLinkCode
from exchange.portal.hashing import portal_key
from exchange.portal.senders import Code, CodeSender, Recipient


async def _holder(conn: Conn, card: str) -> Recipient | None:
    """Who has the card, if it is an open member that a code can reach (email first)."""
    holder_id = await cards.holder_of(conn, card)
    if holder_id is None:
        return None
    cur = await conn.execute(
        "SELECT id, email, phone, enrolled_by_partner_id FROM members"
        " WHERE id = %s AND status = 'ACTIVE'",
        (holder_id,),
    )
    row = await cur.fetchone()
    if row is None or (row["email"] is None and row["phone"] is None):
        return None
    channel = "email" if row["email"] is not None else "phone"
    return Recipient(row["id"], channel, row[channel], row["enrolled_by_partner_id"])


async def request_link(
    pool: Pool,
    settings: Settings,
    sender: CodeSender,
    *,
    member_id: int,
    card_number: str,
    address: str,
    now: datetime,
) -> str:
    """Send the card's holder a code for this member (or nothing, silently); the card
    number as checked. ``CARD_IN_USE`` only for a card the member has already."""
    card = cards.check_card(card_number)
    key = portal_key(settings)
    buckets = throttle.Buckets.of_card_link(key, member_id, card, address)
    async with transaction(pool) as conn:
        if card in await cards.cards_of(conn, member_id):
            raise cards.CardInUse(
                "this card is already linked to your account", field=["cardNumber"]
            )
        await cards.check_room(conn, member_id)
        await throttle.check(conn, "CARD_CODE_SENT", buckets, now)
        await throttle.record(conn, "CARD_CODE_SENT", buckets, now)
        holder = await _holder(conn, card)
        if holder is None:
            return card
        code, expires_at = await codes.issue(
            conn,
            holder.member_id,
            key=key,
            lifetime=timedelta(seconds=settings.login_code_ttl_seconds),
            now=now,
            scope=codes.card_link_scope(member_id, card),
        )
        await sender.send(conn, Code(holder, code, expires_at, card), now=now)
    return card


async def confirm_link(
    pool: Pool,
    settings: Settings,
    *,
    member_id: int,
    card_number: str,
    code: str,
    address: str,
    now: datetime,
) -> str:
    """Move the card to the member if ``code`` is the one its holder was sent for it; a
    wrong code is recorded (its transaction commits) before the refusal is raised."""
    card = cards.check_card(card_number)
    key = portal_key(settings)
    buckets = throttle.Buckets.of_card_link(key, member_id, card, address)
    async with transaction(pool) as conn:
        await throttle.check(conn, "CARD_CODE_REJECTED", buckets, now)
        holder_id = await cards.holder_of(conn, card)
        verdict = codes.Verdict.WRONG
        if holder_id is not None and holder_id != member_id:
            scope = codes.card_link_scope(member_id, card)
            verdict = await codes.redeem(conn, holder_id, code, key=key, now=now, scope=scope)
        # the card may have moved since it was read (another link committed meanwhile)
        if (
            holder_id is not None
            and verdict is codes.Verdict.ACCEPTED
            and await cards.move_card(conn, card, holder_id=holder_id, member_id=member_id, now=now)
        ):
            return card
        await throttle.record(conn, "CARD_CODE_REJECTED", buckets, now)
    raise InvalidCardLinkCode("this code is wrong or expired; ask for a new one", field=["code"])
