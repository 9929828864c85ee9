"""``quoteConversion``: the numbers of a conversion to or from a partner's program, locked for
a short time (``EXCHANGE_CONVERSION_QUOTE_SECONDS``)."""

from __future__ import annotations

from datetime import timedelta

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.conversions import quoting
from partners.conversions.rules import Direction

from ..context import Context, Info
from ..types.common import UserError
from ..types.conversions import ConversionDirection, ConversionQuote
from .conversions_common import converter, member_of


@strawberry.input(description="Exactly one of points and amount.")
class QuoteConversionInput:
    member_id: strawberry.ID | None = strawberry.field(
        default=None, description="A partner key names the member; a member token is itself."
    )
    currency: str = strawberry.field(description="The program currency's code: SKY.")
    direction: ConversionDirection
    points: int | None = strawberry.field(
        default=None, description="Points to get (IN) or to convert (OUT)."
    )
    amount: str | None = strawberry.field(
        default=None, description="An amount of the currency to convert (IN) or to get (OUT)."
    )
    program_account: str | None = strawberry.field(
        default=None, description="The member's account number in the partner's program."
    )


@strawberry.type
class QuoteConversionPayload:
    quote: ConversionQuote | None
    user_errors: list[UserError]


async def _quote(ctx: Context, data: QuoteConversionInput) -> ConversionQuote:
    who = converter(ctx.principal)
    ask = quoting.Ask(
        member_id=member_of(who, data.member_id),
        currency=data.currency,
        direction=Direction(data.direction.value),
        points=data.points,
        amount=data.amount,
        program_account=data.program_account,
    )
    async with transaction(ctx.pool) as conn:
        quote = await quoting.quote(
            conn,
            ask,
            partner_id=who.partner_id,
            quoted_by=who.caller,
            lock=timedelta(seconds=ctx.settings.conversion_quote_seconds),
            now=clock.now(),
        )
    return ConversionQuote.of(quote)


async def quote_conversion(info: Info, input: QuoteConversionInput) -> QuoteConversionPayload:
    try:
        quote = await _quote(info.context, input)
    except ExchangeError as error:
        return QuoteConversionPayload(quote=None, user_errors=[UserError.of(error)])
    return QuoteConversionPayload(quote=quote, user_errors=[])
