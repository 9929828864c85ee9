"""``transferPoints``: a member (member token) sends points to another member."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from exchange.portal.giving import send_points

from ..auth import require_member
from ..context import Info
from .common import OutcomePayload, decode_id, resolve_member, resolve_transaction


@strawberry.input(
    description="The recipient: toMemberId, or toEmail with toCardNumber (an email alone would"
    " tell which emails are members')."
)
class TransferPointsInput:
    to_member_id: strawberry.ID | None = None
    to_email: str | None = None
    to_card_number: str | None = strawberry.field(
        default=None,
        description="With toEmail, and required with it: one of the recipient's card numbers."
        " A pair that names no member is MEMBER_NOT_FOUND, whichever half is wrong; five such"
        " refusals an hour, then RATE_LIMITED.",
    )
    points: int
    idempotency_key: str


@strawberry.type
class TransferPointsPayload(OutcomePayload):
    transaction = strawberry.field(
        resolver=resolve_transaction, description="The TRANSFER_OUT on the sender."
    )
    member = strawberry.field(resolver=resolve_member, description="The sender after it.")


async def transfer_points(info: Info, input: TransferPointsInput) -> TransferPointsPayload:
    ctx = info.context
    sender = require_member(ctx.principal)
    try:
        receiver = (
            None
            if input.to_member_id is None
            else decode_id(input.to_member_id, "Member", MemberNotFound, "toMemberId")
        )
        outcome = await send_points(
            ctx.pool,
            sender_id=sender,
            to_member_id=receiver,
            to_email=input.to_email,
            to_card_number=input.to_card_number,
            points=input.points,
            idempotency_key=input.idempotency_key,
            daily_limit=ctx.settings.transfer_daily_limit_points,
            now=clock.now(),
        )
    except ExchangeError as error:
        return TransferPointsPayload.failed(error)
    ctx.forget_reads()
    return TransferPointsPayload.done(outcome)
