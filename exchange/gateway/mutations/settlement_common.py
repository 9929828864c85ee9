"""What the settlement mutations share: staff only, the batch or why not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange.kit.errors import ExchangeError
from exchange.kit.ids import expect_global_id
from settlement.batches import Asked
from settlement.errors import SettlementBatchNotFound
from settlement.repository import Batch

from ..auth import Principal, require_staff
from ..context import Info
from ..types.common import UserError
from ..types.settlement import SettlementBatch


@strawberry.type
class SettlementBatchPayload:
    batch: SettlementBatch | None
    user_errors: list[UserError]


def asked_by(principal: Principal, key: str | None) -> Asked:
    return Asked(actor=f"{principal.role} key {principal.key_id}", caller=principal.caller, key=key)


def batch_id_of(global_id: strawberry.ID) -> int:
    try:
        return expect_global_id(global_id, "SettlementBatch")
    except ExchangeError:
        raise SettlementBatchNotFound(
            "no settlement batch with this id", field=["batchId"]
        ) from None


async def run_staff_batch_mutation(
    info: Info, work: Callable[[Principal], Awaitable[Batch]]
) -> SettlementBatchPayload:
    principal = info.context.principal
    require_staff(principal)
    try:
        batch = await work(principal)
    except ExchangeError as error:
        return SettlementBatchPayload(batch=None, user_errors=[UserError.of(error)])
    return SettlementBatchPayload(batch=SettlementBatch.of(batch, staff=True), user_errors=[])
