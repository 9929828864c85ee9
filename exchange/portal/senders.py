"""How a member receives a one-time code: a pluggable sender. A code is for logging in, or
(``card`` given) for letting another account link one of the member's cards.

- ``LogSender`` (development): writes the code to the log (``exchange.portal``);
- ``WebhookSender``: hands the code to the partner that enrolled the member, as a
  ``member.login_code`` (or ``member.card_link_code``) event in the outbox (the same
  transaction as the code), for the partner to send by e-mail or SMS through its own
  channels. A member no partner enrolled gets nothing (and the caller is not told: nobody
  learns who is a member).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.kit.settings import Settings
from exchange.ledger import events

logger = logging.getLogger("exchange.portal")

EVENT_TYPE = "member.login_code"
CARD_LINK_EVENT_TYPE = "member.card_link_code"


@dataclass(frozen=True)
class Recipient:
    member_id: int
    channel: str
    """``email`` or ``phone``: where the member asked for the code."""
    address: str
    enrolled_by_partner_id: int | None


@dataclass(frozen=True)
class Code:
    """A one-time code to deliver."""

    recipient: Recipient
    code: str
    expires_at: datetime
    card: str | None = None
    """None: a login code; else the code that lets another account link this card of the
    recipient's."""

    @property
    def what(self) -> str:
        if self.card is None:
            return "login code"
        return f"card link code (card ...{last_digits(self.card)})"


class CodeSender(Protocol):
    async def send(self, conn: Conn, message: Code, *, now: datetime) -> None: ...


def last_digits(card: str) -> str:
    """What the holder is told of a card: its last four digits."""
    return card[-4:]


class LogSender:
    """Development only (production refuses it): the code is in the log."""

    async def send(self, conn: Conn, message: Code, *, now: datetime) -> None:
        recipient = message.recipient
        logger.warning(
            "%s for member %s (%s %s): %s, valid until %s",
            message.what,
            recipient.member_id,
            recipient.channel,
            recipient.address,
            message.code,
            message.expires_at.astimezone(UTC).isoformat(),
        )


class WebhookSender:
    """The enrolling partner delivers the code (a ``member.login_code`` or
    ``member.card_link_code`` webhook)."""

    async def send(self, conn: Conn, message: Code, *, now: datetime) -> None:
        recipient, card = message.recipient, message.card
        if recipient.enrolled_by_partner_id is None:
            logger.warning("member %s: no enrolling partner to send its code", recipient.member_id)
            return
        extra = {} if card is None else {"cardLastDigits": last_digits(card)}
        await events.emit(
            conn,
            event_type=EVENT_TYPE if card is None else CARD_LINK_EVENT_TYPE,
            partner_id=recipient.enrolled_by_partner_id,
            member_id=recipient.member_id,
            member_seq=None,
            entry_id=None,
            created_at=now,
            data={
                "memberId": to_global_id("Member", recipient.member_id),
                "channel": recipient.channel,
                "address": recipient.address,
                "code": message.code,
                "expiresAt": message.expires_at.astimezone(UTC).isoformat(),
                **extra,
            },
        )


def sender_for(settings: Settings) -> CodeSender:
    return WebhookSender() if settings.code_sender == "webhook" else LogSender()
