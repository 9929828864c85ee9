"""``setBonusEventTypes`` (admin): a new version of the bonus event types partners may award,
whole, in force from ``effectiveFrom`` (now or later) on; types it leaves out can no longer be
awarded."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.bonuses import setting
from partners.bonuses.catalogue import EventType, Limit

from ..auth import require_admin
from ..context import Context, Info
from ..types.bonuses import BonusCatalogue, BonusLimitPeriod
from ..types.common import UserError


@strawberry.input(description="At most `count` awards of the type per member in each period.")
class BonusLimitInput:
    count: int
    period: BonusLimitPeriod


@strawberry.input
class BonusEventTypeInput:
    code: str = strawberry.field(
        description="1 to 40 letters, digits or _ starting with a letter (upper-cased): REVIEW."
    )
    name: str = strawberry.field(description='What the member reads, e.g. "Product review".')
    points: int = strawberry.field(description="Points an award gives: 1 to 1,000,000.")
    limit: BonusLimitInput | None = strawberry.field(
        default=None, description="Per member; absent: each reference once, nothing more."
    )


@strawberry.input
class SetBonusEventTypesInput:
    effective_from: datetime | None = strawberry.field(
        default=None, description="When the version starts (default: now; never in the past)."
    )
    event_types: list[BonusEventTypeInput] = strawberry.field(
        description="At most 100. None at all: no bonus can be awarded from effectiveFrom on."
    )
    idempotency_key: str


@strawberry.type
class SetBonusEventTypesPayload:
    catalogue: BonusCatalogue | None
    user_errors: list[UserError]


def _event_type(given: BonusEventTypeInput) -> EventType:
    limit = given.limit
    return EventType(
        code=given.code,
        name=given.name,
        points=given.points,
        limit=None if limit is None else Limit(limit.count, limit.period.value),
    )


async def _set(ctx: Context, data: SetBonusEventTypesInput) -> SetBonusEventTypesPayload:
    principal = ctx.principal
    async with transaction(ctx.pool) as conn:
        catalogue = await setting.set_event_types(
            conn,
            [_event_type(given) for given in data.event_types],
            effective_from=data.effective_from,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
    return SetBonusEventTypesPayload(catalogue=BonusCatalogue.of(catalogue), user_errors=[])


async def set_bonus_event_types(
    info: Info, input: SetBonusEventTypesInput
) -> SetBonusEventTypesPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        return await _set(ctx, input)
    except ExchangeError as error:
        return SetBonusEventTypesPayload(catalogue=None, user_errors=[UserError.of(error)])
