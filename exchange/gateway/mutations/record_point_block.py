"""``recordPointBlock`` (admin, finance): points a PREPAID partner bought, billed by the next
settlement batch; its earns may draw from them at once."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners import prepaid, registry

from ..auth import require_staff
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.partners import Partner, PointBlock
from .common import partner_price


@strawberry.input
class RecordPointBlockInput:
    partner_code: str = strawberry.field(description="A PREPAID partner.")
    points: int
    price_per_point: MoneyInput = strawberry.field(
        description="What the partner pays per point of the block (up to 6 decimals)."
    )
    reference: str = strawberry.field(
        description="The purchase's reference (an invoice or a payment), 1 to 140 printable"
        " characters."
    )
    idempotency_key: str


@strawberry.type
class RecordPointBlockPayload:
    block: PointBlock | None
    partner: Partner | None
    user_errors: list[UserError]


async def _record(ctx: Context, data: RecordPointBlockInput) -> RecordPointBlockPayload:
    principal = ctx.principal
    new = prepaid.NewBlock(
        partner_code=data.partner_code,
        points=data.points,
        price_per_point=partner_price(ctx, data.price_per_point, "pricePerPoint"),
        currency=ctx.settings.currency,
        reference=data.reference,
    )
    async with transaction(ctx.pool) as conn:
        block = await prepaid.record_block(
            conn,
            new,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
        partner = await registry.get_partner(conn, partner_id=block.partner_id)
    ctx.forget_reads()
    return RecordPointBlockPayload(
        block=PointBlock.of(block), partner=Partner.of(partner), user_errors=[]
    )


async def record_point_block(info: Info, input: RecordPointBlockInput) -> RecordPointBlockPayload:
    ctx = info.context
    require_staff(ctx.principal)
    try:
        return await _record(ctx, input)
    except ExchangeError as error:
        return RecordPointBlockPayload(block=None, partner=None, user_errors=[UserError.of(error)])
