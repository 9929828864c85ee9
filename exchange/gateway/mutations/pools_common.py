"""What the pool mutations share: the pool's id, a member named by id or email, and the
caller's place in the pool after the change."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from exchange.portal import giving
from partners.pools import managing
from partners.pools.errors import PoolNotFound

from ..auth import require_member
from ..context import Info
from ..types.pools import PoolMembership
from .common import decode_id

FIELDS = {"toMemberId": "memberId", "toEmail": "email", "toCardNumber": "cardNumber"}


def pool_id_of(global_id: strawberry.ID) -> int:
    return decode_id(global_id, "Pool", PoolNotFound, "poolId")


async def member_named(
    info: Info, member_id: strawberry.ID | None, email: str | None, card_number: str | None
) -> int:
    """The member: its global id, or its email with one of its card numbers (as a transfer
    names its recipient: an email alone would tell the owner who is a member; refusals count
    against the owner as a sender's do)."""
    db_id = (
        None if member_id is None else decode_id(member_id, "Member", MemberNotFound, "memberId")
    )
    try:
        return await giving.find_recipient(
            info.context.pool,
            sender_id=require_member(info.context.principal),
            to_member_id=db_id,
            to_email=email,
            to_card_number=card_number,
            now=clock.now(),
        )
    except ExchangeError as error:
        error.field = [FIELDS.get(name, name) for name in error.field or []] or None
        error.message = (
            error.message.replace("toEmail", "email")
            .replace("toCardNumber", "cardNumber")
            .replace("toMemberId", "memberId")
        )
        raise


async def place_of(info: Info, member_id: int, pool_id: int) -> PoolMembership | None:
    """The member's place in the pool now, as the member itself reads it."""
    async with transaction(info.context.pool) as conn:
        found = await managing.standings(conn, member_id, now=clock.now())
    own = info.context.principal.member_id == member_id
    for standing in found:
        if standing.pool.id == pool_id:
            return PoolMembership.of(standing, caller_is_member=own)
    return None
