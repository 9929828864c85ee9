"""``addSegmentMembers`` (admin): members join a list segment, for every earn from now on."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from partners.campaigns import segments
from partners.campaigns.terms import Segment as SegmentTerms

from ..context import Context, Info
from .segments_common import SegmentPayload, member_ids, run_segment_mutation


@strawberry.input
class AddSegmentMembersInput:
    code: str
    member_ids: list[strawberry.ID] = strawberry.field(description="1 to 10,000 members.")


async def _add(ctx: Context, conn: Conn, data: AddSegmentMembersInput) -> tuple[SegmentTerms, int]:
    added = await segments.add_members(conn, data.code, member_ids(data.member_ids), clock.now())
    return await segments.by_code(conn, data.code, "code"), added


async def add_segment_members(info: Info, input: AddSegmentMembersInput) -> SegmentPayload:
    return await run_segment_mutation(info, lambda ctx, conn: _add(ctx, conn, input))
