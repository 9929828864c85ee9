"""``discardSettlementBatch`` (finance, admin): drop a DRAFT, so the period can be run again."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from settlement import batches

from ..context import Info
from .settlement_common import SettlementBatchPayload, batch_id_of, run_staff_batch_mutation


@strawberry.input
class DiscardSettlementBatchInput:
    batch_id: strawberry.ID


async def discard_settlement_batch(
    info: Info, input: DiscardSettlementBatchInput
) -> SettlementBatchPayload:
    pool = info.context.pool
    return await run_staff_batch_mutation(
        info,
        lambda principal: batches.discard(pool, batch_id_of(input.batch_id), now=clock.now()),
    )
