"""``removeSegmentMembers`` (admin): members leave a list segment, for every earn from now on."""

from __future__ import annotations

import strawberry

from exchange.kit.db import Conn
from partners.campaigns import segments
from partners.campaigns.terms import Segment as SegmentTerms

from ..context import Context, Info
from .segments_common import SegmentPayload, member_ids, run_segment_mutation


@strawberry.input
class RemoveSegmentMembersInput:
    code: str
    member_ids: list[strawberry.ID] = strawberry.field(description="1 to 10,000 members.")


async def _remove(
    ctx: Context, conn: Conn, data: RemoveSegmentMembersInput
) -> tuple[SegmentTerms, int]:
    removed = await segments.remove_members(conn, data.code, member_ids(data.member_ids))
    return await segments.by_code(conn, data.code, "code"), removed


async def remove_segment_members(info: Info, input: RemoveSegmentMembersInput) -> SegmentPayload:
    return await run_segment_mutation(info, lambda ctx, conn: _remove(ctx, conn, input))
