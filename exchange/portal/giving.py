"""A member sends points to another member, named by member id or by email (the web app
and ``transferPoints`` both come here): one transaction, idempotent per member and key."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.money import check_points
from exchange.ledger import members, transfers
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome, Request


async def send_points(
    pool: Pool,
    *,
    sender_id: int,
    to_member_id: int | None,
    to_email: str | None,
    points: int,
    idempotency_key: str,
    daily_limit: int,
    now: datetime,
) -> Outcome:
    if (to_member_id is None) == (to_email is None):
        raise InvalidInput("give exactly one of toMemberId and toEmail", field=["toMemberId"])
    check_points(points)
    async with transaction(pool) as conn:
        if to_email is not None:
            try:
                to_member_id = await members.find(conn, partner_id=None, email=to_email)
            except (MemberNotFound, InvalidInput):
                raise MemberNotFound("no member with this email", field=["toEmail"]) from None
        assert to_member_id is not None
        request = Request(
            f"member:{sender_id}",
            idempotency_key,
            transfers.OPERATION,
            {"toMemberId": to_member_id, "points": points},
        )
        return await transfers.transfer(
            conn,
            request,
            sender_id=sender_id,
            receiver_id=to_member_id,
            points=points,
            daily_limit=daily_limit,
            now=now,
        )
