"""Program currencies and conversions, for the Query root. Currencies and their rules are
public (members see where they may convert, at which rates); conversions are seen by their
member, their partner and staff."""

from __future__ import annotations

import strawberry

from exchange.kit.db import Conn, transaction
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id
from partners import registry
from partners.conversions import store
from partners.conversions.rules import Currency

from .context import Info
from .types.conversions import (
    Conversion,
    ConversionConnection,
    ConversionStatus,
    ProgramCurrency,
    conversion_page,
)


async def currencies_of(conn: Conn, found: list[Currency]) -> list[ProgramCurrency]:
    """The currencies with their partners and every version of their rules."""
    ids = [currency.id for currency in found]
    versions = await store.versions_of(conn, ids)
    partners = await registry.partners_by_id(conn, sorted({c.partner_id for c in found}))
    return [
        ProgramCurrency.of(
            currency,
            (partners[currency.partner_id].code, partners[currency.partner_id].name),
            versions[currency.id],
        )
        for currency in found
    ]


async def program_currencies(info: Info) -> list[ProgramCurrency]:
    async with transaction(info.context.pool) as conn:
        return await currencies_of(conn, await store.currencies(conn))


async def conversion(info: Info, id: strawberry.ID) -> Conversion | None:
    try:
        return await Conversion.load(info, expect_global_id(id, "Conversion"))
    except NotFound:
        return None


async def conversions(
    info: Info,
    first: int = 20,
    after: str | None = None,
    status: ConversionStatus | None = None,
) -> ConversionConnection:
    return await conversion_page(info, first=first, after=after, member_id=None, status=status)
