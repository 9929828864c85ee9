"""Who may quote and convert: a member (member token) for itself, or a partner key for a
member it was shown, in its own currency."""

from __future__ import annotations

from dataclasses import dataclass

import strawberry

from exchange.ledger.errors import MemberNotFound

from ..auth import Principal, forbidden
from .common import decode_id


@dataclass(frozen=True)
class Converter:
    member_id: int | None
    """A member token's own member."""
    partner_id: int | None
    """A partner key's partner: its own currency, members it was shown."""
    caller: str


def converter(principal: Principal) -> Converter:
    if principal.member_id is not None:
        return Converter(principal.member_id, None, principal.caller)
    if principal.role == "partner" and principal.partner_id is not None:
        return Converter(None, principal.partner_id, principal.caller)
    raise forbidden("members (a member token) and partner keys convert points")


def member_of(who: Converter, member_id: strawberry.ID | None) -> int:
    """The member converting: a member token's own (another id is not found)."""
    given = None
    if member_id is not None:
        given = decode_id(member_id, "Member", MemberNotFound, "memberId")
    if who.member_id is not None:
        if given not in (None, who.member_id):
            raise MemberNotFound("no member with this id", field=["memberId"])
        return who.member_id
    if given is None:
        raise MemberNotFound("memberId is needed", field=["memberId"])
    return given
