"""``createSegment`` (admin): a named list of members, or the members enrolled in a range."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn
from partners.campaigns import segments
from partners.campaigns.terms import Segment as SegmentTerms

from ..context import Context, Info
from .segments_common import SegmentPayload, member_ids, run_segment_mutation


@strawberry.input(
    description="A list (memberIds, more added later) or a range of enrolment instants"
    " (enrolledFrom and/or enrolledUntil), not both."
)
class CreateSegmentInput:
    code: str = strawberry.field(description="1 to 32 letters, digits, _ or - (upper-cased).")
    name: str
    member_ids: list[strawberry.ID] = strawberry.field(default_factory=list)
    enrolled_from: datetime | None = None
    enrolled_until: datetime | None = None


async def _create(ctx: Context, conn: Conn, data: CreateSegmentInput) -> tuple[SegmentTerms, int]:
    now = clock.now()
    ranged = data.enrolled_from is not None or data.enrolled_until is not None
    actor = f"{ctx.principal.role} key {ctx.principal.key_id}"
    segment = await segments.create(
        conn,
        data.code,
        data.name,
        enrolled=(data.enrolled_from, data.enrolled_until) if ranged else None,
        actor=actor,
        now=now,
    )
    added = 0
    if data.member_ids:
        added = await segments.add_members(conn, segment.code, member_ids(data.member_ids), now)
    return segment, added


async def create_segment(info: Info, input: CreateSegmentInput) -> SegmentPayload:
    return await run_segment_mutation(info, lambda ctx, conn: _create(ctx, conn, input))
