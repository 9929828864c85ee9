"""A member's other cards: linked to the account, a card finds the member at a till (and in
an import file) as its first card does. One card number belongs to one member, whichever
table holds it (a trigger of migration 0012 checks both, in turn).

A card is linked by moving it from the member that holds it (its first card, or a linked
one) to another, once the holder proved it agrees (``exchange.portal.card_links``); the
points already earned with it stay with the holder."""

from __future__ import annotations

import re
from datetime import datetime

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.ledger.members import CARD, luhn_check_digit

MAX_CARDS = 10


class CardInUse(ExchangeError):
    """A card the member asking to link it has already."""

    code = "CARD_IN_USE"


def check_card(card_number: str, field: str = "cardNumber") -> str:
    """8 to 19 digits (spaces and dashes ignored) whose last digit is their Luhn check digit,
    so that a mistyped number is refused rather than looked for."""
    card = re.sub(r"[\s-]", "", card_number)
    if not CARD.match(card) or luhn_check_digit(card[:-1]) != card[-1]:
        raise InvalidInput(f"{field} must be the 8 to 19 digits printed on the card", field=[field])
    return card


async def cards_of(conn: Conn, member_id: int) -> list[str]:
    """The member's cards: its first one, then the linked ones in the order linked."""
    cur = await conn.execute(
        "SELECT card_number FROM members WHERE id = %(m)s AND card_number IS NOT NULL"
        " UNION ALL (SELECT card_number FROM member_cards WHERE member_id = %(m)s"
        " ORDER BY linked_at, card_number)",
        {"m": member_id},
    )
    return [row["card_number"] for row in await cur.fetchall()]


async def holder_of(conn: Conn, card: str) -> int | None:
    """The member that has the card now (as its first card or a linked one), if any."""
    cur = await conn.execute(
        "SELECT id FROM members WHERE card_number = %(c)s"
        " UNION ALL SELECT member_id FROM member_cards WHERE card_number = %(c)s",
        {"c": card},
    )
    row = await cur.fetchone()
    return None if row is None else int(row["id"])


async def check_room(conn: Conn, member_id: int) -> None:
    if len(await cards_of(conn, member_id)) > MAX_CARDS:
        raise InvalidInput(f"at most {MAX_CARDS} cards may be linked", field=["cards"])


async def move_card(
    conn: Conn, card: str, *, holder_id: int, member_id: int, now: datetime
) -> bool:
    """Move the card from ``holder_id`` to ``member_id``'s linked cards; False (nothing
    moved) when the holder no longer has it."""
    await check_room(conn, member_id)
    cur = await conn.execute(
        "UPDATE members SET card_number = NULL WHERE id = %s AND card_number = %s",
        (holder_id, card),
    )
    if cur.rowcount == 1:
        await conn.execute(
            "INSERT INTO member_cards (card_number, member_id, linked_at) VALUES (%s, %s, %s)",
            (card, member_id, now),
        )
        return True
    cur = await conn.execute(
        "UPDATE member_cards SET member_id = %s, linked_at = %s"
        " WHERE card_number = %s AND member_id = %s",
        (member_id, now, card, holder_id),
    )
    return cur.rowcount == 1
