"""What the campaign mutations share: the payload, inputs, running as admin, and turning an
admin's input into terms (partner and segment codes resolved, money parsed)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal

import strawberry

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError
from exchange.kit.money import parse_money
from partners import campaign_cache
from partners.campaigns.terms import Funder, Kind, Version
from partners.campaigns.writing import Asked

from ..auth import require_admin
from ..campaign_queries import read
from ..context import Context, Info
from ..types.campaigns import Campaign, CampaignFunder, CampaignKind
from ..types.common import MoneyInput, UserError


@strawberry.input(description="`wins` in `outOf`: one in four is {wins: 1, outOf: 4}.")
class ChanceInput:
    wins: int
    out_of: int


@strawberry.type
class CampaignPayload:
    campaign: Campaign | None
    user_errors: list[UserError]


def kind_of(kind: CampaignKind) -> Kind:
    return Kind(kind.value)


def funder_of(funder: CampaignFunder) -> Funder:
    return Funder(funder.value)


def minimum_of(ctx: Context, money: MoneyInput | None) -> Decimal | None:
    if money is None:
        return None
    try:
        return parse_money(
            money.amount, money.currency, program_currency=ctx.settings.currency
        ).amount
    except ExchangeError as error:  # said of `amount`: here it is the minimum's
        error.field = ["minimumSpend", *(error.field or [])[1:]]
        raise


def asked(ctx: Context, key: str) -> Asked:
    """Who asks, under which key (the request is filled in by ``partners.campaigns.admin``)."""
    principal = ctx.principal
    return Asked(principal.caller, key, f"{principal.role} key {principal.key_id}", {})


async def run_campaign_mutation(
    info: Info, work: Callable[[Context, Conn], Awaitable[Version]]
) -> CampaignPayload:
    """Change campaigns (admin) in one transaction; a refusal is a userError. The process's
    cache is forgotten at once; other processes see the change at their next earn."""
    ctx = info.context
    require_admin(ctx.principal)
    try:
        async with ctx.pool.connection() as conn, conn.transaction():
            version = await work(ctx, conn)
            [found] = await read(conn, [version.campaign.id], ctx.settings.currency)
    except ExchangeError as error:
        return CampaignPayload(campaign=None, user_errors=[UserError.of(error)])
    campaign_cache.forget()
    ctx.forget_reads()
    return CampaignPayload(campaign=found, user_errors=[])
