"""What the pool mutations share: the pool's id, a member named by id or email, and the
caller's place in the pool after the change."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import Conn, transaction
from exchange.kit.errors import InvalidInput
from exchange.ledger import members
from exchange.ledger.errors import MemberNotFound
from partners.pools import managing
from partners.pools.errors import PoolNotFound

from ..context import Info
from ..types.pools import PoolMembership
from .common import decode_id


def pool_id_of(global_id: strawberry.ID) -> int:
    return decode_id(global_id, "Pool", PoolNotFound, "poolId")


async def member_named(conn: Conn, member_id: strawberry.ID | None, email: str | None) -> int:
    """Exactly one of a member's global id and its email."""
    if (member_id is None) == (email is None):
        raise InvalidInput("give exactly one of memberId and email", field=["memberId"])
    if member_id is not None:
        return decode_id(member_id, "Member", MemberNotFound, "memberId")
    assert email is not None
    try:
        return await members.find(conn, partner_id=None, email=email)
    except (MemberNotFound, InvalidInput):
        raise MemberNotFound("no member with this email", field=["email"]) from None


async def place_of(info: Info, member_id: int, pool_id: int) -> PoolMembership | None:
    """The member's place in the pool now, as the member itself reads it."""
    async with transaction(info.context.pool) as conn:
        found = await managing.standings(conn, member_id, now=clock.now())
    own = info.context.principal.member_id == member_id
    for standing in found:
        if standing.pool.id == pool_id:
            return PoolMembership.of(standing, caller_is_member=own)
    return None
