"""Transactions (journal entries as the caller may see them) and their Relay connection."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import strawberry

from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import from_global_id, to_global_id
from exchange.ledger import queries

from ..context import Info
from .calculations import EarnCalculation, campaign_line
from .campaigns import CampaignLine
from .common import Money, Node, PageInfo, described
from .holds import Hold
from .partners import Partner

if TYPE_CHECKING:
    from .members import Member

CURSOR = "TransactionCursor"


@strawberry.enum(description="What moved the points.")
class TransactionKind(enum.Enum):
    EARN = "EARN"
    EARN_REVERSAL = "EARN_REVERSAL"
    BURN = "BURN"
    BURN_REFUND = "BURN_REFUND"
    TRANSFER_IN = "TRANSFER_IN"
    TRANSFER_OUT = "TRANSFER_OUT"
    EXPIRY = "EXPIRY"
    ADJUSTMENT = "ADJUSTMENT"
    BONUS = "BONUS"


@strawberry.enum(description="POSTED, or how much of an earn was reversed / of a burn refunded.")
class TransactionStatus(enum.Enum):
    POSTED = "POSTED"
    PARTIALLY_REVERSED = "PARTIALLY_REVERSED"
    REVERSED = "REVERSED"
    PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
    REFUNDED = "REFUNDED"


@strawberry.type(
    description="One movement of a member's points. Posted entries never change;"
    " corrections are new transactions."
)
class Transaction(Node):
    kind: TransactionKind
    points: int = strawberry.field(
        description="Points moved (always positive; `kind` says which way)."
    )
    order_id: str | None
    occurred_at: datetime = strawberry.field(description="Business time (the purchase).")
    posted_at: datetime = strawberry.field(description="When the ledger recorded it.")
    status: TransactionStatus
    reason: str = strawberry.field(description="Human-readable reason the member sees.")
    amount: Money | None = strawberry.field(
        description="The purchase amount of an earn, or the returned amount of a reversal."
    )
    row: strawberry.Private[queries.Transaction]

    @described("The partner that issued or redeemed; null for the operator.")
    async def partner(self, info: Info) -> Partner | None:
        if self.row.partner_id is None:
            return None
        found = await info.context.loaders.partners.load(self.row.partner_id)
        return None if found is None else Partner.of(found)

    @strawberry.field
    async def member(
        self, info: Info
    ) -> Annotated[Member, strawberry.lazy("exchange.gateway.types.members")] | None:
        from .members import Member

        return await Member.load(info, self.row.member_id)

    @described("The earn a reversal undoes, or the burn a refund gives back.")
    async def original_transaction(self, info: Info) -> Transaction | None:
        if self.row.original_entry_id is None:
            return None
        return await Transaction.load(info, self.row.original_entry_id)

    @described(
        "An EARN's calculation: its lines, rules, tier and campaigns, as it recorded them"
        " (null for other kinds)."
    )
    async def calculation(self, info: Info) -> EarnCalculation | None:
        if self.row.kind != "EARN":
            return None
        kept = await info.context.loaders.details.load(self.row.id)
        return None if kept is None else EarnCalculation.of(kept)

    @described("The campaign a BONUS transaction gave the points of (null otherwise).")
    async def campaign(self, info: Info) -> CampaignLine | None:
        if self.row.kind != "BONUS":
            return None
        kept = await info.context.loaders.details.load(self.row.id)
        currency = info.context.settings.currency
        return None if kept is None else campaign_line(kept, self.row.id, currency)

    @described("The hold a captured burn came from.")
    async def hold(self, info: Info) -> Hold | None:
        return None if self.row.hold_id is None else await Hold.load(info, self.row.hold_id)

    @classmethod
    def of(cls, row: queries.Transaction) -> Transaction:
        amount = None
        if row.amount is not None and row.currency is not None:
            amount = Money.of(row.amount, row.currency)
        return cls(
            id=strawberry.ID(to_global_id("Transaction", row.id)),
            kind=TransactionKind(row.kind),
            points=row.points,
            order_id=row.order_id,
            occurred_at=row.occurred_at,
            posted_at=row.posted_at,
            status=TransactionStatus(row.status),
            reason=row.reason,
            amount=amount,
            row=row,
        )

    @classmethod
    async def load(cls, info: Info, entry_id: int) -> Transaction | None:
        row = await info.context.loaders.transactions.load(entry_id)
        return None if row is None else cls.of(row)


@strawberry.type
class TransactionEdge:
    cursor: str
    node: Transaction


@strawberry.type(description="Transactions, newest first.")
class TransactionConnection:
    edges: list[TransactionEdge]
    page_info: PageInfo


def _after_id(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, entry_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return entry_id


async def transaction_page(
    info: Info,
    *,
    first: int,
    after: str | None,
    member_id: int | None,
    since: datetime | None,
) -> TransactionConnection:
    """One page of what the caller may see: its own transactions (a partner's, or a member's),
    or all for staff."""
    if not 1 <= first <= queries.MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {queries.MAX_PAGE}", field=["first"])
    before_id = _after_id(after)
    ctx = info.context
    own = ctx.principal.member_id
    if own is not None and member_id not in (None, own):
        member_id = 0  # a member's own transactions only: another's match nothing
    async with transaction(ctx.read_pool) as conn:
        rows, more = await queries.transactions_page(
            conn,
            partner_id=None if own is not None else ctx.principal.scope,
            member_id=own if own is not None and member_id is None else member_id,
            since=since,
            before_id=before_id,
            first=first,
        )
    edges = []
    for row in rows:
        ctx.loaders.transactions.prime(row.id, row)
        edges.append(TransactionEdge(cursor=to_global_id(CURSOR, row.id), node=Transaction.of(row)))
    page = PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return TransactionConnection(edges=edges, page_info=page)
