"""``setPartnerBilling`` (admin, finance): POSTPAID or PREPAID, and the credit limit."""

from __future__ import annotations

import strawberry

from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners import prepaid

from ..auth import require_staff
from ..context import Context, Info
from ..types.common import UserError
from ..types.partners import Partner, PartnerBilling


@strawberry.input
class SetPartnerBillingInput:
    partner_code: str
    billing: PartnerBilling = strawberry.field(
        description="PREPAID: its earns draw from the point blocks it buys (recordPointBlock)."
        " POSTPAID is refused while it owes points it drew on credit beyond its blocks."
    )
    credit_limit_points: int | None = strawberry.field(
        default=None,
        description="PREPAID: how many points it may issue beyond its blocks (0 or more);"
        " absent: unchanged.",
    )


@strawberry.type
class SetPartnerBillingPayload:
    partner: Partner | None
    user_errors: list[UserError]


async def _set(ctx: Context, data: SetPartnerBillingInput) -> SetPartnerBillingPayload:
    async with transaction(ctx.pool) as conn:
        partner = await prepaid.set_billing(
            conn,
            code=data.partner_code,
            billing=data.billing.value,
            credit_limit_points=data.credit_limit_points,
        )
    ctx.forget_reads()
    return SetPartnerBillingPayload(partner=Partner.of(partner), user_errors=[])


async def set_partner_billing(
    info: Info, input: SetPartnerBillingInput
) -> SetPartnerBillingPayload:
    ctx = info.context
    require_staff(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetPartnerBillingPayload(partner=None, user_errors=[UserError.of(error)])
