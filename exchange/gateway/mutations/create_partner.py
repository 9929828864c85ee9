"""``createPartner`` (admin): a partner with its first prices and first API key."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners import registry

from ..auth import require_admin
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.partners import Partner
from .common import partner_price


@strawberry.input
class CreatePartnerInput:
    name: str
    code: str = strawberry.field(description="2 to 32 of A-Z, 0-9 and _; unique.")
    issue_price: MoneyInput = strawberry.field(
        description="What the partner pays per point it issues (up to 6 decimals)."
    )
    redemption_value: MoneyInput = strawberry.field(
        description="What the partner is paid per point redeemed at it (up to 6 decimals)."
    )
    earn_rate: str = strawberry.field(
        description='Points per whole unit of money spent, a decimal string such as "1" or "0.1".'
    )
    point_validity_days: int | None = strawberry.field(
        default=None, description="How long its points stay valid; absent: they never expire."
    )


@strawberry.type
class CreatePartnerPayload:
    partner: Partner | None
    api_key: str | None = strawberry.field(
        description="The partner's first API key. Shown once: it is stored only as a hash."
    )
    user_errors: list[UserError]


async def _create(ctx: Context, data: CreatePartnerInput) -> CreatePartnerPayload:
    new = registry.NewPartner(
        code=data.code,
        name=data.name,
        earn_rate=registry.parse_price(data.earn_rate, "earnRate"),
        issue_price=partner_price(ctx, data.issue_price, "issuePrice"),
        redemption_value=partner_price(ctx, data.redemption_value, "redemptionValue"),
        currency=ctx.settings.currency,
        point_validity_days=data.point_validity_days,
    )
    async with transaction(ctx.pool) as conn:
        partner, key = await registry.create_partner(conn, new, now=clock.now())
    return CreatePartnerPayload(partner=Partner.of(partner), api_key=key.secret, user_errors=[])


async def create_partner(info: Info, input: CreatePartnerInput) -> CreatePartnerPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _create(ctx, input)
    except ExchangeError as error:
        return CreatePartnerPayload(partner=None, api_key=None, user_errors=[UserError.of(error)])
