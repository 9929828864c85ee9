"""``viewer``: who is calling. A member token (``Bearer mbr_...``, see the README's member
web app section) sees its own member: balances, expiring points, transactions."""

from __future__ import annotations

import strawberry

from ..context import Info
from .members import Member


@strawberry.type(description="The caller. A member token sees its own member; API keys none.")
class Viewer:
    member: Member | None = strawberry.field(
        description="The calling member (a member token); null for API keys."
    )


async def viewer(info: Info) -> Viewer:
    member_id = info.context.principal.member_id
    return Viewer(member=None if member_id is None else await Member.load(info, member_id))
