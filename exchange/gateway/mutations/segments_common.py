"""What the segment mutations share: the payload, member ids, running as admin."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import strawberry

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from partners.campaigns import segments
from partners.campaigns.terms import Segment as SegmentTerms

from ..auth import require_admin
from ..context import Context, Info
from ..types.campaigns import Segment
from ..types.common import UserError
from .common import decode_id


@strawberry.type
class SegmentPayload:
    segment: Segment | None
    changed: int = strawberry.field(
        description="Members added (or removed) that were not (or were) in the list."
    )
    user_errors: list[UserError]


def member_ids(ids: list[strawberry.ID]) -> list[int]:
    return [decode_id(gid, "Member", MemberNotFound, "memberIds") for gid in ids]


async def run_segment_mutation(
    info: Info, work: Callable[[Context, Conn], Awaitable[tuple[SegmentTerms, int]]]
) -> SegmentPayload:
    ctx = info.context
    require_admin(ctx.principal)
    try:
        async with ctx.pool.connection() as conn, conn.transaction():
            segment, changed = await work(ctx, conn)
            size = await segments.size(conn, segment.id) if segment.is_list else None
    except ExchangeError as error:
        return SegmentPayload(segment=None, changed=0, user_errors=[UserError.of(error)])
    return SegmentPayload(segment=Segment.of(segment, size), changed=changed, user_errors=[])
