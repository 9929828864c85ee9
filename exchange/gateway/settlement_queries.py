"""Settlement reads (batches, statements) and the ledger audit, for the Query root."""

from __future__ import annotations

import strawberry

from exchange.kit.db import transaction
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id
from settlement.audit import run_full_audit

from .auth import require_staff
from .context import Info
from .types.settlement import SettlementBatch, SettlementBatchConnection, batch_page, find_batch


@strawberry.type(description="One invariant of contract section 7 and what breaks it.")
class AuditCheck:
    name: str
    description: str
    ok: bool
    violations: list[str] = strawberry.field(
        description="The first violations (at most 100), as the ids that break the rule."
    )


@strawberry.type(description="Every invariant of the ledger, checked over the whole database.")
class LedgerAudit:
    ok: bool
    checks: list[AuditCheck]


async def settlement_batches(
    info: Info, first: int = 20, after: str | None = None
) -> SettlementBatchConnection:
    _ = info.context.principal.scope  # staff and partners: a member token is FORBIDDEN
    return await batch_page(info, first=first, after=after)


async def settlement_batch(info: Info, id: strawberry.ID) -> SettlementBatch | None:
    _ = info.context.principal.scope  # staff and partners: a member token is FORBIDDEN
    try:
        batch_id = expect_global_id(id, "SettlementBatch")
    except NotFound:
        return None
    return await find_batch(info, batch_id)


async def ledger_audit(info: Info) -> LedgerAudit:
    require_staff(info.context.principal)
    async with transaction(info.context.pool) as conn:
        results = await run_full_audit(conn)
    checks = [
        AuditCheck(
            name=result.name,
            description=result.description,
            ok=result.ok,
            violations=[" ".join(str(part) for part in row) for row in result.violations],
        )
        for result in results
    ]
    return LedgerAudit(ok=all(check.ok for check in checks), checks=checks)
