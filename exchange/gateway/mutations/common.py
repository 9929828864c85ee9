"""What every mutation shares: payload base, id decoding, input checks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Self, TypeVar

import strawberry

from exchange.kit.errors import ExchangeError, InvalidInput, NotFound, UnsupportedCurrency
from exchange.kit.ids import expect_global_id
from exchange.kit.money import check_points
from exchange.ledger.outcome import Outcome, Request
from partners import registry

from ..auth import require_partner
from ..context import Context, Info
from ..types.common import MoneyInput, UserError
from ..types.holds import Hold
from ..types.members import Member
from ..types.transactions import Transaction

MAX_ORDER_ID = 128


@strawberry.type
class OutcomePayload:
    """Base of the payloads of point-moving mutations: the ledger outcome, or why not."""

    user_errors: list[UserError] = strawberry.field(
        description="Why nothing was done; empty on success."
    )
    outcome: strawberry.Private[Outcome | None] = None

    @classmethod
    def failed(cls, error: ExchangeError) -> Self:
        return cls(user_errors=[UserError.of(error)])

    @classmethod
    def done(cls, outcome: Outcome) -> Self:
        return cls(user_errors=[], outcome=outcome)


P = TypeVar("P", bound=OutcomePayload)


async def run_partner_mutation(
    info: Info, payload: type[P], work: Callable[[Context, int], Awaitable[Outcome]]
) -> P:
    """Run a point-moving mutation for the calling partner.

    ``work`` raises a business refusal inside its database transaction, which rolls back;
    it is caught here, outside, and becomes the payload's userError."""
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    try:
        outcome = await work(ctx, partner_id)
    except ExchangeError as error:
        return payload.failed(error)
    ctx.forget_reads()
    return payload.done(outcome)


async def resolve_member(root: OutcomePayload, info: Info) -> Member | None:
    return None if root.outcome is None else await Member.load(info, root.outcome.member_id)


async def resolve_transaction(root: OutcomePayload, info: Info) -> Transaction | None:
    if root.outcome is None or root.outcome.transaction_id is None:
        return None
    return await Transaction.load(info, root.outcome.transaction_id)


async def resolve_hold(root: OutcomePayload, info: Info) -> Hold | None:
    if root.outcome is None or root.outcome.hold_id is None:
        return None
    return await Hold.load(info, root.outcome.hold_id)


def decode_id(global_id: str, type_name: str, error: type[NotFound], field: str) -> int:
    """The database id inside a global id; anything else is the given not-found error."""
    try:
        return expect_global_id(global_id, type_name, error=error)
    except NotFound as exc:
        raise error(exc.message, field=[field]) from None


def points_or_all(points: int | None) -> int | None:
    return None if points is None else check_points(points)


def partner_price(ctx: Context, money: MoneyInput, field: str) -> Decimal:
    """A money-per-point price in the program's currency (up to 6 decimals)."""
    if money.currency.strip().upper() != ctx.settings.currency:
        raise UnsupportedCurrency(
            f"prices are in {ctx.settings.currency}", field=[field, "currency"]
        )
    return registry.parse_price(money.amount, field)


def check_order_id(order_id: str | None) -> str | None:
    if order_id is not None and not (0 < len(order_id) <= MAX_ORDER_ID and order_id.isprintable()):
        raise InvalidInput(
            f"orderId must be 1 to {MAX_ORDER_ID} printable characters", field=["orderId"]
        )
    return order_id


def ledger_request(ctx: Context, key: str, operation: str, body: dict[str, object]) -> Request:
    """The idempotency scope: the caller, its key, the operation and the normalized input."""
    return Request(caller=ctx.principal.caller, idempotency_key=key, operation=operation, body=body)
