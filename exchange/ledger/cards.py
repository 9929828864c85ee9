"""A member's other cards: linked to the account, a card finds the member at a till (and in
an import file) as its first card does. One card number belongs to one member, whichever
table holds it (a trigger of migration 0012 checks both, in turn)."""

from __future__ import annotations

import re
from datetime import datetime

import psycopg

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.ledger.members import CARD, luhn_check_digit

MAX_CARDS = 10


class CardInUse(ExchangeError):
    """A card number that another member (or this one) already has."""

    code = "CARD_IN_USE"


def check_card(card_number: str) -> str:
    """8 to 19 digits (spaces and dashes ignored) whose last digit is their Luhn check digit,
    so that a mistyped number is refused rather than linked."""
    card = re.sub(r"[\s-]", "", card_number)
    if not CARD.match(card) or luhn_check_digit(card[:-1]) != card[-1]:
        raise InvalidInput(
            "cardNumber must be the 8 to 19 digits printed on the card", field=["cardNumber"]
        )
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


async def link_card(conn: Conn, member_id: int, card_number: str, *, now: datetime) -> str:
    card = check_card(card_number)
    if len(await cards_of(conn, member_id)) > MAX_CARDS:
        raise InvalidInput(f"at most {MAX_CARDS} cards may be linked", field=["cardNumber"])
    try:
        async with conn.transaction():
            await conn.execute(
                "INSERT INTO member_cards (card_number, member_id, linked_at) VALUES (%s, %s, %s)",
                (card, member_id, now),
            )
    except psycopg.errors.UniqueViolation:
        raise CardInUse("this card is already linked to an account", field=["cardNumber"]) from None
    return card
