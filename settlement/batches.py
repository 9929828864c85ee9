"""Settlement batches: run (DRAFT), approve, mark paid, discard.

A run computes, in one REPEATABLE READ transaction, every figure of the batch from the
entries it covers and writes them once; a DRAFT can be discarded and run again (on the same
ledger it gives the same statements), an APPROVED or PAID batch never changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency

from . import repository as repo
from .errors import (
    SettlementBatchNotApproved,
    SettlementBatchNotDraft,
    SettlementBatchNotFound,
    SettlementDraftExists,
    SettlementInProgress,
)
from .netting import payments_for
from .repository import Batch
from .statements import statements_of

MAX_REFERENCE = 140


@dataclass(frozen=True)
class Asked:
    """Who asks for a batch operation, under which idempotency key (None: none given)."""

    actor: str
    caller: str
    key: str | None = None

    async def replay(self, conn: Conn, operation: str, body: dict[str, Any]) -> int | None:
        """The batch this key already gave for the same input (in the caller's transaction,
        so the key is claimed together with what it does)."""
        if self.key is None:
            return None
        done = await idempotency.claim(
            conn, caller=self.caller, key=self.key, operation=operation, request=body
        )
        return None if done is None else int(done["batch_id"])

    async def remember(self, conn: Conn, batch: Batch) -> Batch:
        if self.key is not None:
            await idempotency.store(
                conn, caller=self.caller, key=self.key, response={"batch_id": batch.id}
            )
        return batch


def _check_period_end(period_end: datetime, follows: Batch | None, now: datetime) -> None:
    if period_end.tzinfo is None:
        raise InvalidInput("periodEnd needs a time zone offset", field=["periodEnd"])
    if period_end > now:
        raise InvalidInput("periodEnd is in the future", field=["periodEnd"])
    if follows is not None and period_end < follows.period_end:
        raise InvalidInput(
            f"periodEnd is before the end of batch {follows.id} ({follows.period_end})",
            field=["periodEnd"],
        )


async def _compute(conn: Conn, batch: Batch, follows: Batch | None) -> Batch:
    await repo.gather_covered(conn, batch, follows)
    await repo.gather_blocks(conn, batch, follows)
    await repo.gather_memberships(conn, batch, follows)
    flows = await repo.flows(conn)
    in_flows = {row["redeemer_partner_id"] for row in flows} | {
        row["issuer_partner_id"] for row in flows if row["issuer_partner_id"] is not None
    }
    statements = statements_of(
        await repo.aggregates(conn, follows, batch.breakage_issuer_share),
        batch.currency,
        also=in_flows,
    )
    partners = [s.partner_id for s in statements]
    await repo.write_statements(
        conn,
        batch.id,
        statements,
        await repo.partner_controls(conn),
        await repo.billing_of(conn, partners),
    )
    await repo.write_flows(conn, batch.id, flows)
    nets = {s.partner_id: s.net for s in statements}
    await repo.write_payments(conn, batch.id, payments_for(nets))
    return await repo.write_totals(
        conn,
        batch.id,
        entries=await repo.batch_controls(conn),
        margin=sum(nets.values(), Decimal(0)),
        rounding=sum((s.rounding_difference for s in statements), Decimal(0)),
    )


async def run(
    pool: Pool,
    *,
    period_end: datetime,
    currency: str,
    breakage_issuer_share: Decimal,
    asked: Asked,
    now: datetime,
) -> Batch:
    """A DRAFT batch of every unsettled entry posted up to ``period_end``."""
    try:
        async with transaction(pool) as conn:
            await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            done = await asked.replay(conn, "runSettlement", {"periodEnd": period_end})
            if done is not None:
                return await _existing(conn, done)
            follows = await repo.latest_live(conn)
            if follows is not None and follows.status == "DRAFT":
                raise SettlementDraftExists(
                    f"batch {follows.id} is a DRAFT: approve or discard it first"
                )
            _check_period_end(period_end, follows, now)
            batch = await repo.insert_batch(
                conn,
                follows=follows,
                period_end=period_end,
                currency=currency,
                share=breakage_issuer_share,
                actor=asked.actor,
                now=now,
            )
            return await asked.remember(conn, await _compute(conn, batch, follows))
    except (psycopg.errors.UniqueViolation, psycopg.errors.SerializationFailure) as error:
        raise SettlementInProgress(
            "another settlement run committed a batch meanwhile; look at the batches and"
            " run again if needed"
        ) from error


async def _existing(conn: Conn, batch_id: int) -> Batch:
    batch = await repo.get(conn, batch_id)
    assert batch is not None, "batches are never deleted"
    return batch


async def _locked(conn: Conn, batch_id: int) -> Batch:
    batch = await repo.get(conn, batch_id, for_update=True)
    if batch is None:
        raise SettlementBatchNotFound("no settlement batch with this id", field=["batchId"])
    return batch


async def approve(pool: Pool, batch_id: int, *, asked: Asked, now: datetime) -> Batch:
    async with transaction(pool) as conn:
        done = await asked.replay(conn, "approveSettlementBatch", {"batchId": batch_id})
        if done is not None:
            return await _existing(conn, done)
        batch = await _locked(conn, batch_id)
        if batch.status != "DRAFT":
            raise SettlementBatchNotDraft(f"the batch is {batch.status}", field=["batchId"])
        approved = await repo.set_status(
            conn, batch_id, "APPROVED", approved_at=now, approved_by=asked.actor
        )
        return await asked.remember(conn, approved)


async def mark_paid(
    pool: Pool, batch_id: int, *, reference: str, asked: Asked, now: datetime
) -> Batch:
    reference = reference.strip()
    if not reference or len(reference) > MAX_REFERENCE or not reference.isprintable():
        raise InvalidInput(
            f"reference must be 1 to {MAX_REFERENCE} printable characters", field=["reference"]
        )
    async with transaction(pool) as conn:
        body = {"batchId": batch_id, "reference": reference}
        done = await asked.replay(conn, "markSettlementBatchPaid", body)
        if done is not None:
            return await _existing(conn, done)
        batch = await _locked(conn, batch_id)
        if batch.status != "APPROVED":
            raise SettlementBatchNotApproved(f"the batch is {batch.status}", field=["batchId"])
        paid = await repo.set_status(
            conn, batch_id, "PAID", paid_at=now, paid_by=asked.actor, payment_reference=reference
        )
        return await asked.remember(conn, paid)


async def discard(pool: Pool, batch_id: int, *, now: datetime) -> Batch:
    async with transaction(pool) as conn:
        batch = await _locked(conn, batch_id)
        if batch.status == "DISCARDED":
            return batch
        if batch.status != "DRAFT":
            raise SettlementBatchNotDraft(f"the batch is {batch.status}", field=["batchId"])
        return await repo.set_status(conn, batch_id, "DISCARDED", discarded_at=now)
