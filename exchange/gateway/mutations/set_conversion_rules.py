"""``setConversionRules`` (admin, or a partner for its own program): a new version of the
rules of converting a program currency, from an instant on; the first registers the
currency."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from partners import registry
from partners.conversions import checks, store
from partners.conversions.rules import Way
from partners.errors import PartnerNotFound

from ..auth import Principal, forbidden
from ..context import Context, Info
from ..conversion_queries import currencies_of
from ..types.common import UserError
from ..types.conversions import ConversionRules, ProgramCurrency


@strawberry.input(description="The rules of one way.")
class ConversionWayInput:
    offered: bool = strawberry.field(
        default=True, description="False: the way is not offered (the rest may be left out)."
    )
    rate: str | None = strawberry.field(
        default=None,
        description='A decimal above 0 with at most 6 decimals. IN: points per unit ("0.8");'
        ' OUT: units per point ("1.25").',
    )
    minimum_points: int | None = None
    maximum_points: int | None = None
    daily_limit_points: int | None = strawberry.field(
        default=None, description="The most points a member may convert this way a UTC day."
    )


@strawberry.input(description="The whole of the new version: a way left out is not offered.")
class SetConversionRulesInput:
    partner_code: str | None = strawberry.field(
        default=None, description="Admin keys name the partner; a partner key sets its own."
    )
    currency: str = strawberry.field(description="The currency's code: SKY.")
    name: str | None = strawberry.field(
        default=None, description="Its name (SkyMiles): needed by the first version."
    )
    decimals: int | None = strawberry.field(
        default=None,
        description="Decimals of its amounts, 0 to 4, set by the first version (default 0).",
    )
    effective_from: datetime | None = strawberry.field(
        default=None,
        description="Now (the default) or later; at most 5 minutes ago, and never before a"
        " conversion already made.",
    )
    into: ConversionWayInput | None = strawberry.field(
        default=None, name="in", description="The currency into points."
    )
    out: ConversionWayInput | None = strawberry.field(
        default=None, description="Points into the currency."
    )
    idempotency_key: str


@strawberry.type
class SetConversionRulesPayload:
    currency: ProgramCurrency | None
    rules: ConversionRules | None = strawberry.field(description="The version added.")
    user_errors: list[UserError]


def _way(name: str, given: ConversionWayInput | None) -> Way:
    if given is None:
        return Way()
    return checks.way(
        name,
        offered=given.offered,
        rate_text=given.rate,
        minimum_points=given.minimum_points,
        maximum_points=given.maximum_points,
        daily_points=given.daily_limit_points,
    )


async def _partner_code(ctx: Context, principal: Principal, given: str | None) -> str:
    """Admin: the partner named; a partner: its own (naming another finds nothing)."""
    if principal.role == "admin":
        if given is None:
            raise InvalidInput("admin keys name the partner: partnerCode", field=["partnerCode"])
        return given.strip().upper()
    if principal.role != "partner" or principal.partner_id is None:
        raise forbidden("only admin keys and partner keys may set conversion rules")
    async with transaction(ctx.pool) as conn:
        own = await registry.get_partner(conn, partner_id=principal.partner_id)
    if given is not None and given.strip().upper() != own.code:
        raise PartnerNotFound(f"no partner {given} of yours", field=["partnerCode"])
    return own.code


async def _add(ctx: Context, data: SetConversionRulesInput) -> SetConversionRulesPayload:
    principal = ctx.principal
    new = store.NewRules(
        partner_code=await _partner_code(ctx, principal, data.partner_code),
        currency=checks.currency_code(data.currency),
        name=None if data.name is None else checks.currency_name(data.name),
        decimals=None if data.decimals is None else checks.decimals(data.decimals),
        effective_from=data.effective_from,
        terms=checks.terms(_way("in", data.into), _way("out", data.out)),
    )
    async with transaction(ctx.pool) as conn:
        currency, added = await store.add_rules(
            conn,
            new,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )
        (shown,) = await currencies_of(conn, [currency])
    return SetConversionRulesPayload(
        currency=shown, rules=ConversionRules.of(added), user_errors=[]
    )


async def set_conversion_rules(
    info: Info, input: SetConversionRulesInput
) -> SetConversionRulesPayload:
    try:
        return await _add(info.context, input)
    except ExchangeError as error:
        return SetConversionRulesPayload(
            currency=None, rules=None, user_errors=[UserError.of(error)]
        )
