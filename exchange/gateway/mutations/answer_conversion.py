"""``confirmConversion`` and ``declineConversion`` (partner keys): the conversion's own
partner answers a conversion out of points; another partner finds nothing (NOT_FOUND)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.conversions import answering
from partners.conversions.errors import ConversionExpired, ConversionNotFound

from ..auth import require_partner
from ..context import Info
from ..types.common import UserError
from ..types.conversions import Conversion
from .common import decode_id


@strawberry.input
class ConfirmConversionInput:
    conversion_id: strawberry.ID
    reference: str | None = strawberry.field(
        default=None, description="Your reference of the credit in your program."
    )
    idempotency_key: str


@strawberry.input
class DeclineConversionInput:
    conversion_id: strawberry.ID
    reason: str | None = strawberry.field(default=None, description="Why, for the member.")
    idempotency_key: str


@strawberry.type
class AnswerConversionPayload:
    conversion: Conversion | None
    user_errors: list[UserError]


Answering = Callable[..., Awaitable[int]]
"""``answering.confirm`` or ``answering.decline``."""


async def _answer(
    info: Info,
    answer_with: Answering,
    conversion_id: strawberry.ID,
    text: tuple[str, str | None],
    key: str,
) -> AnswerConversionPayload:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    now = clock.now()
    db_id = 0
    try:
        db_id = decode_id(conversion_id, "Conversion", ConversionNotFound, "conversionId")
        answer = answering.Answer(
            conversion_id=db_id,
            partner_id=partner_id,
            caller=ctx.principal.caller,
            idempotency_key=key,
            text=answering.check_text(text[1], text[0]),
        )
        async with transaction(ctx.pool) as conn:
            await answer_with(conn, answer, now=now)
    except ConversionExpired as error:
        await answering.expire_if_due(ctx.pool, db_id, now=now)
        return AnswerConversionPayload(conversion=None, user_errors=[UserError.of(error)])
    except ExchangeError as error:
        return AnswerConversionPayload(conversion=None, user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return AnswerConversionPayload(conversion=await Conversion.load(info, db_id), user_errors=[])


async def confirm_conversion(info: Info, input: ConfirmConversionInput) -> AnswerConversionPayload:
    reference = ("reference", input.reference)
    return await _answer(
        info, answering.confirm, input.conversion_id, reference, input.idempotency_key
    )


async def decline_conversion(info: Info, input: DeclineConversionInput) -> AnswerConversionPayload:
    reason = ("reason", input.reason)
    return await _answer(
        info, answering.decline, input.conversion_id, reason, input.idempotency_key
    )
