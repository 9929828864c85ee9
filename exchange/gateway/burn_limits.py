"""The burn rules at the gateway: a burn's basket, the limits in force, and their check.

``burnQuote``, ``burnPoints``, ``authorizeBurn`` and ``redeemReward`` all read the limits
here and evaluate them with the same pure functions (``partners.burn_rules``): what a quote
says a member can use is what a burn then takes."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from exchange.kit.db import connection
from exchange.kit.errors import ExchangeError
from exchange.ledger import idempotency
from exchange.ledger.outcome import Outcome, Request
from partners import burn_terms
from partners.burn_rules.evaluation import Limits, check

from .context import Context
from .types.common import MoneyInput
from .types.inputs import parse_amount

BASKET = "basketAmount"
BASKET_DESCRIPTION = (
    "What the basket costs (the program's currency). Points never pay more than it, nor more"
    " than the share of it the partner's burn rules allow; required when those rules limit"
    " points by the basket (a share, a minimum basket)."
)


def parse_money_field(ctx: Context, money: MoneyInput | None, field: str) -> Decimal | None:
    """An amount above 0 in the program's currency, refused under the input's ``field``."""
    if money is None:
        return None
    try:
        return parse_amount(money, ctx.settings.currency).amount
    except ExchangeError as error:
        raise type(error)(error.message, field=[field, *(error.field or [])[1:]]) from None


def parse_basket(ctx: Context, money: MoneyInput | None) -> Decimal | None:
    """What the basket costs (field ``basketAmount``)."""
    return parse_money_field(ctx, money, BASKET)


async def limits_now(
    ctx: Context, partner_id: int, basket: Decimal | None, now: datetime, *, reward: bool = False
) -> Limits:
    """The limits of a burn at the partner now (from memory, but on a change)."""
    return await burn_terms.limits_at(
        lambda: connection(ctx.pool),
        partner_id,
        at=now,
        currency=ctx.settings.currency,
        basket=basket,
        reward=reward,
    )


async def check_limits(
    ctx: Context, request: Request, limits: Limits, points: int
) -> Outcome | None:
    """None when the rules let the burn through. A burn they refuse whose key was already
    used for this same input answers what that call did (the rules may have changed since);
    otherwise the refusal stands."""
    try:
        check(limits, points)
    except ExchangeError:
        async with connection(ctx.pool) as conn:
            stored = await idempotency.recall(
                conn,
                caller=request.caller,
                key=request.idempotency_key,
                operation=request.operation,
                request=request.body,
            )
        if stored is None:
            raise
        return Outcome.from_json(stored)
    return None
