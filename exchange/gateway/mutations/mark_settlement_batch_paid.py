"""``markSettlementBatchPaid`` (finance, admin): an APPROVED batch was paid, with a reference."""

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
class MarkSettlementBatchPaidInput:
    batch_id: strawberry.ID
    reference: str = strawberry.field(description="The payment's reference (1-140 characters).")
    idempotency_key: str | None = None


async def mark_settlement_batch_paid(
    info: Info, input: MarkSettlementBatchPaidInput
) -> SettlementBatchPayload:
    pool = info.context.pool
    return await run_staff_batch_mutation(
        info,
        lambda principal: batches.mark_paid(
            pool,
            batch_id_of(input.batch_id),
            reference=input.reference,
            asked=asked_by(principal, input.idempotency_key),
            now=clock.now(),
        ),
    )
