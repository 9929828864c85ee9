"""The dashboard's referral card: the member's code, what the program in force pays for a
referral, and what the member's referrals came to."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn
from partners.referrals import repository
from partners.referrals.program import Terms
from partners.referrals.repository import Standing


@dataclass(frozen=True)
class Invite:
    code: str
    terms: Terms | None
    """The program in force; None: referrals pay nothing now."""
    standing: Standing


async def invite(conn: Conn, member_id: int, *, now: datetime) -> Invite | None:
    code = await repository.code_of(conn, member_id)
    if code is None:
        return None
    program = await repository.program_at(conn, now)
    return Invite(
        code=code,
        terms=None if program is None else program.terms,
        standing=await repository.standing(conn, member_id),
    )
