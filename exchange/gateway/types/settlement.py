"""Settlement batches and statements: finance reads all, a partner its own statement."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry

from exchange.kit import clock, signed_links
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import from_global_id, to_global_id
from partners import registry
from settlement import repository as repo

from ..context import Info
from .common import Money, PageInfo, described

CURSOR = "SettlementBatchCursor"
MAX_PAGE = 100


@strawberry.enum(description="DRAFT -> APPROVED -> PAID, or DRAFT -> DISCARDED.")
class SettlementStatus(enum.Enum):
    DRAFT = "DRAFT"
    APPROVED = "APPROVED"
    PAID = "PAID"
    DISCARDED = "DISCARDED"


@strawberry.enum(
    description="What a statement line counts. A PREPAID partner's issuance is paid for by"
    " the point blocks it buys (POINT_BLOCK): its earns and their reversals are shown at a"
    " unit price of 0 (ISSUED_PREPAID, ISSUE_REVERSED_PREPAID). A paid membership a partner"
    " sold is billed to it at its price (MEMBERSHIP_SOLD: points counts the memberships)."
)
class StatementLineKind(enum.Enum):
    POINT_BLOCK = "POINT_BLOCK"
    MEMBERSHIP_SOLD = "MEMBERSHIP_SOLD"
    ISSUED = "ISSUED"
    ISSUED_PREPAID = "ISSUED_PREPAID"
    ISSUE_REVERSED = "ISSUE_REVERSED"
    ISSUE_REVERSED_PREPAID = "ISSUE_REVERSED_PREPAID"
    REDEEMED = "REDEEMED"
    REDEMPTION_REFUNDED = "REDEMPTION_REFUNDED"
    BREAKAGE_CREDIT = "BREAKAGE_CREDIT"


def _exact(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


@strawberry.type(
    description="Entries of one kind at one price; positive amounts are owed by"
    " the partner to the operator, negative ones to the partner."
)
class StatementLine:
    line: int
    kind: StatementLineKind
    adjustment: bool = strawberry.field(
        description="A reversal or refund of an entry settled in an earlier batch."
    )
    unit_price: str = strawberry.field(description="Money per point, exact (decimal string).")
    points: int
    exact_amount: str = strawberry.field(description="points x unitPrice, unrounded.")
    amount: Money = strawberry.field(description="Rounded half-even to the minor unit.")
    entries: int = strawberry.field(
        description="How many ledger entries the line sums (POINT_BLOCK: how many blocks;"
        " MEMBERSHIP_SOLD: how many memberships)."
    )

    @classmethod
    def of(cls, row: dict[str, Any], currency: str) -> StatementLine:
        return cls(
            line=row["line_no"],
            kind=StatementLineKind(row["kind"]),
            adjustment=row["adjustment"],
            unit_price=_exact(row["unit_price"]),
            points=row["points"],
            exact_amount=_exact(row["exact_amount"]),
            amount=Money.of(row["amount"], currency),
            entries=row["entries_count"],
        )


@strawberry.type(description="Points an issuer's members spent at a redeemer, refunds netted.")
class SettlementFlow:
    issuer_code: str | None = strawberry.field(description="null: points the operator issued.")
    redeemer_code: str
    points: int
    exact_amount: str = strawberry.field(description="At the redemption values recorded.")


@strawberry.type(description="One payment that settles the batch's nets.")
class PaymentInstruction:
    payer_code: str | None = strawberry.field(description="null: the operator pays.")
    payee_code: str | None = strawberry.field(description="null: the operator is paid.")
    amount: Money


@strawberry.type(description="What one partner owes or is owed for the batch's period.")
class SettlementStatement:
    partner_code: str
    partner_name: str
    billing: str
    issued_points: int
    reversed_points: int
    redeemed_points: int
    refunded_points: int
    expired_points: int = strawberry.field(description="Its points that expired (breakage).")
    bought_points: int = strawberry.field(
        description="Points of the point blocks it bought in the period (PREPAID partners)."
    )
    memberships_sold: int = strawberry.field(
        description="Paid memberships it sold in the period (billed as MEMBERSHIP_SOLD)."
    )
    lines: list[StatementLine]
    exact_net: str = strawberry.field(description="The sum of the exact line amounts.")
    net: Money = strawberry.field(
        description="The sum of the rounded lines: positive, the partner pays the operator;"
        " negative, the operator pays the partner."
    )
    rounding_difference: str = strawberry.field(description="exactNet - net (never lost).")
    entries: int
    entries_sha256: str = strawberry.field(
        description="SHA-256 of the ids of the entries it covers, comma-separated, ascending."
    )
    batch_id: strawberry.Private[int]

    @described(
        "The entries it covers, one per line (entry, kind, points, posted_at): a signed link"
        " valid for 15 minutes; their ids, comma-joined, hash to entriesSha256."
    )
    def entries_csv_url(self, info: Info) -> str:
        path = f"/settlement/batches/{self.batch_id}/statements/{self.partner_code}/entries.csv"
        return signed_links.sign(info.context.settings, path, now=clock.now())


def _statement(
    row: dict[str, Any], lines: list[dict[str, Any]], currency: str
) -> SettlementStatement:
    return SettlementStatement(
        partner_code=row["partner_code"],
        partner_name=row["partner_name"],
        billing=row["billing"],
        issued_points=row["issued_points"],
        reversed_points=row["reversed_points"],
        redeemed_points=row["redeemed_points"],
        refunded_points=row["refunded_points"],
        expired_points=row["expired_points"],
        bought_points=row["bought_points"],
        memberships_sold=row["memberships_sold"],
        lines=[
            StatementLine.of(line, currency)
            for line in lines
            if line["partner_id"] == row["partner_id"]
        ],
        exact_net=_exact(row["exact_net"]),
        net=Money.of(row["net_amount"], currency),
        rounding_difference=_exact(row["rounding_difference"]),
        entries=row["entries_count"],
        entries_sha256=row["entries_sha256"],
        batch_id=row["batch_id"],
    )


@strawberry.type(
    description="A settlement batch: every entry posted up to its periodEnd that"
    " no earlier batch covered."
)
class SettlementBatch:
    id: strawberry.ID
    status: SettlementStatus
    period_start: datetime | None = strawberry.field(description="The previous batch's end.")
    period_end: datetime
    currency: str
    entries: int
    entries_sha256: str
    operator_margin: Money | None = strawberry.field(
        description="The sum of the partners' nets (staff only)."
    )
    rounding_difference: str | None = strawberry.field(description="Staff only.")
    created_at: datetime
    approved_at: datetime | None
    paid_at: datetime | None
    payment_reference: str | None
    batch: strawberry.Private[repo.Batch]

    @classmethod
    def of(cls, batch: repo.Batch, *, staff: bool) -> SettlementBatch:
        return cls(
            id=strawberry.ID(to_global_id("SettlementBatch", batch.id)),
            status=SettlementStatus(batch.status),
            period_start=batch.period_start,
            period_end=batch.period_end,
            currency=batch.currency,
            entries=batch.entries_count,
            entries_sha256=batch.entries_sha256,
            operator_margin=Money.of(batch.operator_margin, batch.currency) if staff else None,
            rounding_difference=_exact(batch.rounding_difference) if staff else None,
            created_at=batch.created_at,
            approved_at=batch.approved_at,
            paid_at=batch.paid_at,
            payment_reference=batch.payment_reference,
            batch=batch,
        )

    @described("Every partner's statement (staff), or the calling partner's own.")
    async def statements(self, info: Info) -> list[SettlementStatement]:
        scope = info.context.principal.scope
        async with transaction(info.context.pool) as conn:
            rows = await repo.statement_rows(conn, self.batch.id, scope)
            lines = await repo.line_rows(conn, self.batch.id, scope)
        return [_statement(row, lines, self.batch.currency) for row in rows]

    @described("The bilateral matrix (staff), or the calling partner's row and column of it.")
    async def flows(self, info: Info) -> list[SettlementFlow]:
        async with transaction(info.context.pool) as conn:
            rows = await repo.flow_rows(conn, self.batch.id, info.context.principal.scope)
        return [
            SettlementFlow(
                issuer_code=row["issuer_code"],
                redeemer_code=row["redeemer_code"],
                points=row["points"],
                exact_amount=_exact(row["exact_amount"]),
            )
            for row in rows
        ]

    @described("The payments that settle the nets (a partner sees those it makes or gets).")
    async def payments(self, info: Info) -> list[PaymentInstruction]:
        async with transaction(info.context.pool) as conn:
            rows = await repo.payment_rows(conn, self.batch.id, info.context.principal.scope)
        return [
            PaymentInstruction(
                payer_code=row["payer_code"],
                payee_code=row["payee_code"],
                amount=Money.of(row["amount"], self.batch.currency),
            )
            for row in rows
        ]

    async def _link(self, info: Info, fmt: str) -> str:
        """A signed link (15 minutes) to what the caller may read: all statements for staff,
        its own for a partner."""
        ctx = info.context
        path = f"/settlement/batches/{self.batch.id}/statements"
        if ctx.principal.scope is not None:
            async with transaction(ctx.pool) as conn:
                partner = await registry.get_partner(conn, partner_id=ctx.principal.scope)
            path += f"/{partner.code}"
        return signed_links.sign(ctx.settings, f"{path}.{fmt}", now=clock.now())

    @described("The statements as CSV: a link valid for 15 minutes, no API key needed.")
    async def csv_url(self, info: Info) -> str:
        return await self._link(info, "csv")

    @described("The statements as JSON: a link valid for 15 minutes, no API key needed.")
    async def json_url(self, info: Info) -> str:
        return await self._link(info, "json")

    @described("A printable statement page with a chart of the nets (15-minute link).")
    async def html_url(self, info: Info) -> str:
        return await self._link(info, "html")


@strawberry.type
class SettlementBatchEdge:
    cursor: str
    node: SettlementBatch


@strawberry.type(description="Settlement batches, newest first.")
class SettlementBatchConnection:
    edges: list[SettlementBatchEdge]
    page_info: PageInfo


def after_batch(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, batch_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return batch_id


async def find_batch(info: Info, batch_id: int) -> SettlementBatch | None:
    """The batch, if the caller may see it (partners: APPROVED and PAID ones)."""
    ctx = info.context
    async with transaction(ctx.pool) as conn:
        batch = await repo.get(conn, batch_id)
    staff = ctx.principal.is_staff
    if batch is None or not (staff or batch.status in repo.FINAL):
        return None
    return SettlementBatch.of(batch, staff=staff)


async def batch_page(info: Info, *, first: int, after: str | None) -> SettlementBatchConnection:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
    ctx = info.context
    async with transaction(ctx.pool) as conn:
        staff = ctx.principal.is_staff
        found = await repo.page(
            conn,
            after=after_batch(after),
            limit=first + 1,
            statuses=None if staff else repo.FINAL,
        )
    edges = [
        SettlementBatchEdge(
            cursor=to_global_id(CURSOR, batch.id), node=SettlementBatch.of(batch, staff=staff)
        )
        for batch in found[:first]
    ]
    page = PageInfo(
        has_next_page=len(found) > first,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return SettlementBatchConnection(edges=edges, page_info=page)
