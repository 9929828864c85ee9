"""``runSettlement`` (finance, admin): a DRAFT batch of every unsettled entry up to a cut-off."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from settlement import batches

from ..context import Info
from .settlement_common import SettlementBatchPayload, asked_by, run_staff_batch_mutation


@strawberry.input
class RunSettlementInput:
    period_end: datetime = strawberry.field(
        description="The cut-off: entries posted up to it (and not in an earlier batch); not in"
        " the future, not before the previous batch's."
    )
    idempotency_key: str | None = None


async def run_settlement(info: Info, input: RunSettlementInput) -> SettlementBatchPayload:
    ctx = info.context
    return await run_staff_batch_mutation(
        info,
        lambda principal: batches.run(
            ctx.pool,
            period_end=input.period_end,
            currency=ctx.settings.currency,
            breakage_issuer_share=ctx.settings.breakage_issuer_share,
            asked=asked_by(principal, input.idempotency_key),
            now=clock.now(),
        ),
    )
