"""``approveSettlementBatch`` (finance, admin): a DRAFT becomes APPROVED and never changes."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from settlement import batches

from ..context import Info
from .settlement_common import (
    SettlementBatchPayload,
    asked_by,
    batch_id_of,
    run_staff_batch_mutation,
)


@strawberry.input
class ApproveSettlementBatchInput:
    batch_id: strawberry.ID
    idempotency_key: str | None = None


async def approve_settlement_batch(
    info: Info, input: ApproveSettlementBatchInput
) -> SettlementBatchPayload:
    pool = info.context.pool
    return await run_staff_batch_mutation(
        info,
        lambda principal: batches.approve(
            pool,
            batch_id_of(input.batch_id),
            asked=asked_by(principal, input.idempotency_key),
            now=clock.now(),
        ),
    )
