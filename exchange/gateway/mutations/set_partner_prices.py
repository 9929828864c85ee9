"""``setPartnerPrices`` (admin): a partner's prices from an instant on, never retroactively."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners import burn_terms, registry

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.partners import Partner
from .common import partner_price


@strawberry.input
class SetPartnerPricesInput:
    partner_code: str
    effective_from: datetime = strawberry.field(
        description="When the prices take effect: now or later (at most 5 minutes ago, for"
        " clock skew), and after the partner's latest entry; a price already used never"
        " changes."
    )
    issue_price: MoneyInput = strawberry.field(
        description="What the partner pays per point it issues (up to 6 decimals)."
    )
    redemption_value: MoneyInput = strawberry.field(
        description="What the partner is paid per point redeemed at it (up to 6 decimals)."
    )


@strawberry.type
class SetPartnerPricesPayload:
    partner: Partner | None
    user_errors: list[UserError]


async def _set(ctx: Context, data: SetPartnerPricesInput) -> SetPartnerPricesPayload:
    issue_price = partner_price(ctx, data.issue_price, "issuePrice")
    redemption_value = partner_price(ctx, data.redemption_value, "redemptionValue")
    async with transaction(ctx.pool) as conn:
        partner = await registry.schedule_price(
            conn,
            code=data.partner_code,
            effective_from=data.effective_from,
            issue_price=issue_price,
            redemption_value=redemption_value,
            currency=ctx.settings.currency,
            now=clock.now(),
        )
    burn_terms.CACHE.forget(partner.id)  # a burn's point value is its redemption value
    ctx.forget_reads()
    return SetPartnerPricesPayload(partner=Partner.of(partner), user_errors=[])


async def set_partner_prices(info: Info, input: SetPartnerPricesInput) -> SetPartnerPricesPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetPartnerPricesPayload(partner=None, user_errors=[UserError.of(error)])
