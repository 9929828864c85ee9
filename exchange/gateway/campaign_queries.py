"""Campaigns and segments for the Query root, and an instant win's draw re-checked.

Staff see every campaign; a partner those some version of which targets it (or every
partner). A draw can be checked by whoever may see the earn: its partner, staff, the member.
"""

from __future__ import annotations

from collections.abc import Sequence

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn, transaction
from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import expect_global_id, from_global_id, to_global_id
from exchange.ledger.errors import TransactionNotFound
from partners.campaigns import segments, store, verifying
from partners.campaigns.errors import CampaignNotFound
from partners.campaigns.terms import Version
from partners.versions import in_force

from .auth import require_staff
from .context import Info
from .types.campaigns import (
    Campaign,
    CampaignRead,
    InstantWinCheck,
    Names,
    Segment,
    campaign_of,
)
from .types.common import PageInfo

CURSOR = "CampaignCursor"
MAX_PAGE = 100


async def names(conn: Conn, versions: Sequence[Version], currency: str) -> Names:
    ids = sorted({i for v in versions for i in v.terms.targets.partner_ids})
    found = {segment.id: segment for segment in await segments.all_segments(conn)}
    return Names(await store.partner_codes(conn, ids), found, currency)


async def read(conn: Conn, campaign_ids: Sequence[int], currency: str) -> list[Campaign]:
    """The campaigns, in the order of ``campaign_ids``."""
    now = clock.now()
    listed = await store.versions(conn, campaign_ids)
    by_campaign: dict[int, list[Version]] = {}
    for version in listed:
        by_campaign.setdefault(version.campaign.id, []).append(version)
    given, named = await store.budgets(conn, campaign_ids), await names(conn, listed, currency)
    found = []
    for campaign_id in campaign_ids:
        versions = by_campaign[campaign_id]
        seed = await store.seed(conn, campaign_id) if verifying.ended(versions, now) else None
        points, uses = given.get(campaign_id, (0, 0))
        read_one = CampaignRead(versions[0].campaign, versions, seed, points, uses)
        found.append(campaign_of(read_one, in_force(versions, now), named, now))
    return found


@strawberry.type
class CampaignEdge:
    cursor: str
    node: Campaign


@strawberry.type(description="Campaigns, newest first.")
class CampaignConnection:
    edges: list[CampaignEdge]
    page_info: PageInfo


def _before(after: str | None) -> int | None:
    if after is None:
        return None
    try:
        kind, campaign_id = from_global_id(after)
    except NotFound:
        kind = ""
    if kind != CURSOR:
        raise InvalidInput("after must be a cursor returned by this list", field=["after"])
    return campaign_id


async def campaigns(info: Info, first: int = 20, after: str | None = None) -> CampaignConnection:
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
    ctx = info.context
    async with transaction(ctx.pool) as conn:
        ids = await store.page(
            conn, partner_id=ctx.principal.scope, before=_before(after), limit=first + 1
        )
        found = await read(conn, ids[:first], ctx.settings.currency)
    edges = [
        CampaignEdge(cursor=to_global_id(CURSOR, campaign_id), node=node)
        for campaign_id, node in zip(ids, found, strict=False)
    ]
    return CampaignConnection(
        edges=edges,
        page_info=PageInfo(
            has_next_page=len(ids) > first,
            has_previous_page=after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
    )


async def _visible(conn: Conn, code: str, scope: int | None) -> int:
    campaign = await store.campaign_by_code(conn, code)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {code.strip().upper()}", field=["code"])
    if scope is not None:
        versions = await store.versions(conn, [campaign.id])
        if not any(v.terms.targets.partner(scope) for v in versions):
            raise CampaignNotFound(f"no campaign {code.strip().upper()}", field=["code"])
    return campaign.id


async def campaign(info: Info, code: str) -> Campaign | None:
    ctx = info.context
    async with transaction(ctx.pool) as conn:
        try:
            campaign_id = await _visible(conn, code, ctx.principal.scope)
        except CampaignNotFound:
            return None
        [found] = await read(conn, [campaign_id], ctx.settings.currency)
    return found


async def segment_list(info: Info) -> list[Segment]:
    require_staff(info.context.principal)
    async with transaction(info.context.pool) as conn:
        found = await segments.all_segments(conn)
        sizes = {s.id: await segments.size(conn, s.id) for s in found if s.is_list}
    return [Segment.of(segment, sizes.get(segment.id)) for segment in found]


async def verify_instant_win(
    info: Info, transaction_id: strawberry.ID, campaign_code: str
) -> InstantWinCheck:
    """The draw an earn recorded for an instant-win campaign, re-computed from the seed once
    the campaign has ended."""
    try:
        entry_id = expect_global_id(transaction_id, "Transaction", error=TransactionNotFound)
    except NotFound:
        raise TransactionNotFound("no such transaction", field=["transactionId"]) from None
    if await info.context.loaders.transactions.load(entry_id) is None:
        raise TransactionNotFound("no such transaction", field=["transactionId"])
    async with transaction(info.context.pool) as conn:
        checked = await verifying.check(conn, entry_id, campaign_code, clock.now())
    return InstantWinCheck.of(checked)
