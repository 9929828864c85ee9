"""Exchange between programs: program currencies and their conversion rules, quotes,
conversions and their Relay connection."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import from_global_id, to_global_id
from exchange.ledger.queries import MAX_PAGE
from partners.conversions import reading
from partners.conversions.quoting import Quote
from partners.conversions.rules import Currency, RuleSet, Way, in_force

from ..context import Info
from .common import Node, PageInfo, described
from .holds import Hold
from .transactions import Transaction

if TYPE_CHECKING:
    from .members import Member

CURSOR = "ConversionCursor"


@strawberry.enum(description="IN: the partner's currency into points. OUT: points into it.")
class ConversionDirection(enum.Enum):
    IN = "IN"
    OUT = "OUT"


@strawberry.enum(
    description="A conversion in is COMPLETED at once. A conversion out is PENDING until its"
    " partner confirms it (COMPLETED) or declines it (DECLINED), or until the partner's"
    " deadline passes (EXPIRED); declined or expired, its points are the member's again."
)
class ConversionStatus(enum.Enum):
    PENDING = "PENDING"
    COMPLETED = "COMPLETED"
    DECLINED = "DECLINED"
    EXPIRED = "EXPIRED"


def decimal_text(value: Decimal) -> str:
    """A decimal as a plain string without trailing zeros (0.800000 -> 0.8)."""
    return format(value.normalize(), "f")


@strawberry.type(description="The rules of converting one way.")
class ConversionWay:
    offered: bool
    rate: str | None = strawberry.field(
        description='IN: points per unit of the currency ("0.8": 1,000 miles give 800 points).'
        ' OUT: units of the currency per point ("1.25": 1,000 points give 1,250 miles).'
    )
    minimum_points: int | None = strawberry.field(description="The fewest points per conversion.")
    maximum_points: int | None = strawberry.field(description="The most points per conversion.")
    daily_limit_points: int | None = strawberry.field(
        description="The most points a member may convert this way in one UTC day."
    )

    @classmethod
    def of(cls, way: Way) -> ConversionWay:
        return cls(
            offered=way.offered,
            rate=None if way.rate is None else decimal_text(way.rate),
            minimum_points=way.minimum_points,
            maximum_points=way.maximum_points,
            daily_limit_points=way.daily_points,
        )


@strawberry.type(description="One version of a currency's conversion rules, never edited.")
class ConversionRules:
    version: int
    effective_from: datetime
    into: ConversionWay = strawberry.field(name="in", description="The currency into points.")
    out: ConversionWay = strawberry.field(description="Points into the currency.")

    @classmethod
    def of(cls, rules: RuleSet) -> ConversionRules:
        return cls(
            version=rules.version,
            effective_from=rules.effective_from,
            into=ConversionWay.of(rules.terms.into),
            out=ConversionWay.of(rules.terms.out),
        )


@strawberry.type(description="A partner's own program currency (airline miles).")
class ProgramCurrency:
    code: str
    name: str
    decimals: int = strawberry.field(description="Amounts have at most this many decimals.")
    partner_code: str
    partner_name: str
    versions: list[ConversionRules] = strawberry.field(
        description="Every version of its conversion rules, the latest start first (some may"
        " start later)."
    )

    @described("The version in force at `at` (default: now); null before the first.")
    def rules(self, at: datetime | None = None) -> ConversionRules | None:
        return in_force(self.versions, clock.now() if at is None else at)

    @classmethod
    def of(
        cls, currency: Currency, partner: tuple[str, str], versions: list[RuleSet]
    ) -> ProgramCurrency:
        return cls(
            code=currency.code,
            name=currency.name,
            decimals=currency.decimals,
            partner_code=partner[0],
            partner_name=partner[1],
            versions=[ConversionRules.of(rules) for rules in versions],
        )


@strawberry.type(
    description="The numbers of one conversion, locked until expiresAt: convertPoints executes"
    " it once, for the caller that asked."
)
class ConversionQuote:
    id: strawberry.ID
    currency: str
    direction: ConversionDirection
    points: int = strawberry.field(description="Points credited (IN) or taken (OUT).")
    amount: str = strawberry.field(
        description="Of the currency: taken from the member there (IN) or credited (OUT)."
    )
    rate: str
    rule_version: int
    program_account: str | None
    expires_at: datetime

    @classmethod
    def of(cls, quote: Quote) -> ConversionQuote:
        return cls(
            id=strawberry.ID(to_global_id("ConversionQuote", quote.id)),
            currency=quote.currency.code,
            direction=ConversionDirection(quote.direction.value),
            points=quote.points,
            amount=format(quote.amount, "f"),
            rate=decimal_text(quote.rate),
            rule_version=quote.rule_version,
            program_account=quote.program_account,
            expires_at=quote.expires_at,
        )


@strawberry.type(description="Points converted to or from a partner's own program.")
class Conversion(Node):
    direction: ConversionDirection
    status: ConversionStatus
    currency: str
    currency_name: str
    partner_name: str
    points: int
    amount: str = strawberry.field(description="Of the currency, at its decimals.")
    rate: str
    program_account: str | None = strawberry.field(
        description="The member's account in the partner's program, as the member gave it."
    )
    requested_at: datetime
    confirm_by: datetime | None = strawberry.field(
        description="OUT: the partner's deadline to confirm."
    )
    finalized_at: datetime | None
    reference: str | None = strawberry.field(description="The partner's, when it confirmed.")
    decline_reason: str | None
    record: strawberry.Private[reading.Conversion]

    @described("The EARN (IN), or the BURN once the partner confirmed (OUT).")
    async def transaction(self, info: Info) -> Transaction | None:
        entry_id = self.record.entry_id
        return None if entry_id is None else await Transaction.load(info, entry_id)

    @described("OUT: the hold on the member's points while the partner answers.")
    async def hold(self, info: Info) -> Hold | None:
        hold_id = self.record.hold_id
        return None if hold_id is None else await Hold.load(info, hold_id)

    @strawberry.field
    async def member(
        self, info: Info
    ) -> Annotated[Member, strawberry.lazy("exchange.gateway.types.members")] | None:
        from .members import Member

        return await Member.load(info, self.record.member_id)

    @classmethod
    def of(cls, record: reading.Conversion) -> Conversion:
        return cls(
            id=strawberry.ID(to_global_id("Conversion", record.id)),
            direction=ConversionDirection(record.direction.value),
            status=ConversionStatus(record.status),
            currency=record.currency,
            currency_name=record.currency_name,
            partner_name=record.partner_name,
            points=record.points,
            amount=format(record.amount, "f"),
            rate=decimal_text(record.rate),
            program_account=record.program_account,
            requested_at=record.requested_at,
            confirm_by=record.confirm_by,
            finalized_at=record.finalized_at,
            reference=record.partner_reference,
            decline_reason=record.decline_reason,
            record=record,
        )

    @classmethod
    async def load(cls, info: Info, conversion_id: int) -> Conversion | None:
        principal = info.context.principal
        own = principal.member_id
        async with transaction(info.context.pool) as conn:
            found = await reading.by_ids(
                conn,
                [conversion_id],
                partner_id=None if own is not None else principal.scope,
                member_id=own,
            )
        record = found.get(conversion_id)
        return None if record is None else cls.of(record)


@strawberry.type
class ConversionEdge:
    cursor: str
    node: Conversion


@strawberry.type(description="Conversions, newest first.")
class ConversionConnection:
    edges: list[ConversionEdge]
    page_info: PageInfo


def _before(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, conversion_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return conversion_id


async def conversion_page(
    info: Info,
    *,
    first: int,
    after: str | None,
    member_id: int | None,
    status: ConversionStatus | None,
) -> ConversionConnection:
    """What the caller may see: a member its own, a partner its own, staff all."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
    principal = info.context.principal
    own = principal.member_id
    if own is not None and member_id not in (None, own):
        member_id = 0  # a member's own conversions only: another's match nothing
    async with transaction(info.context.pool) as conn:
        records, more = await reading.page(
            conn,
            partner_id=None if own is not None else principal.scope,
            member_id=own if own is not None else member_id,
            status=None if status is None else status.value,
            before_id=_before(after),
            first=first,
        )
    edges = [
        ConversionEdge(cursor=to_global_id(CURSOR, record.id), node=Conversion.of(record))
        for record in records
    ]
    page = PageInfo(
        has_next_page=more,
        has_previous_page=after is not None,
        start_cursor=edges[0].cursor if edges else None,
        end_cursor=edges[-1].cursor if edges else None,
    )
    return ConversionConnection(edges=edges, page_info=page)
