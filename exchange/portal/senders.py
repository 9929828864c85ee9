"""How a member receives its login code: a pluggable sender.

- ``LogSender`` (development): writes the code to the log (``exchange.portal``);
- ``WebhookSender``: hands the code to the partner that enrolled the member, as a
  ``member.login_code`` event in the outbox (the same transaction as the code), for the
  partner to send by e-mail or SMS through its own channels. A member no partner enrolled
  gets nothing (and the caller is not told: nobody learns who is a member).
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


@dataclass(frozen=True)
class Recipient:
    member_id: int
    channel: str
    """``email`` or ``phone``: where the member asked for the code."""
    address: str
    enrolled_by_partner_id: int | None


class CodeSender(Protocol):
    async def send(
        self, conn: Conn, recipient: Recipient, code: str, *, expires_at: datetime, now: datetime
    ) -> None: ...


class LogSender:
    """Development only (production refuses it): the code is in the log."""

    async def send(
        self, conn: Conn, recipient: Recipient, code: str, *, expires_at: datetime, now: datetime
    ) -> None:
        logger.warning(
            "login code for member %s (%s %s): %s, valid until %s",
            recipient.member_id,
            recipient.channel,
            recipient.address,
            code,
            expires_at.astimezone(UTC).isoformat(),
        )


class WebhookSender:
    """The enrolling partner delivers the code (a ``member.login_code`` webhook)."""

    async def send(
        self, conn: Conn, recipient: Recipient, code: str, *, expires_at: datetime, now: datetime
    ) -> None:
        if recipient.enrolled_by_partner_id is None:
            logger.warning("member %s: no enrolling partner to send its code", recipient.member_id)
            return
        await events.emit(
            conn,
            event_type=EVENT_TYPE,
            partner_id=recipient.enrolled_by_partner_id,
            member_id=recipient.member_id,
            member_seq=None,
            entry_id=None,
            created_at=now,
            data={
                "memberId": to_global_id("Member", recipient.member_id),
                "channel": recipient.channel,
                "address": recipient.address,
                "code": code,
                "expiresAt": expires_at.astimezone(UTC).isoformat(),
            },
        )


def sender_for(settings: Settings) -> CodeSender:
    return WebhookSender() if settings.code_sender == "webhook" else LogSender()
