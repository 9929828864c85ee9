"""``convertPoints``: execute a quote of the caller's, once, before its lock runs out."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.conversions import converting
from partners.conversions.errors import QuoteNotFound

from ..context import Context, Info
from ..types.common import UserError, described
from ..types.conversions import Conversion
from ..types.members import Member
from .common import decode_id
from .conversions_common import converter


@strawberry.input
class ConvertPointsInput:
    quote_id: strawberry.ID = strawberry.field(description="A quote of the caller's.")
    idempotency_key: str


@strawberry.type
class ConvertPointsPayload:
    conversion: Conversion | None = strawberry.field(
        description="COMPLETED (IN), or PENDING until the partner confirms (OUT)."
    )
    user_errors: list[UserError]

    @described("The member after the conversion.")
    async def member(self, info: Info) -> Member | None:
        if self.conversion is None:
            return None
        return await Member.load(info, self.conversion.record.member_id)


async def _convert(ctx: Context, data: ConvertPointsInput) -> int:
    who = converter(ctx.principal)
    run = converting.Execute(
        quote_id=decode_id(data.quote_id, "ConversionQuote", QuoteNotFound, "quoteId"),
        caller=who.caller,
        idempotency_key=data.idempotency_key,
        confirm_within=timedelta(seconds=ctx.settings.conversion_confirm_seconds),
    )
    async with transaction(ctx.pool) as conn:
        return await converting.execute(conn, run, now=clock.now())


async def convert_points(info: Info, input: ConvertPointsInput) -> ConvertPointsPayload:
    ctx = info.context
    try:
        conversion_id = await _convert(ctx, input)
    except ExchangeError as error:
        return ConvertPointsPayload(conversion=None, user_errors=[UserError.of(error)])
    ctx.forget_reads()
    return ConvertPointsPayload(
        conversion=await Conversion.load(info, conversion_id), user_errors=[]
    )
