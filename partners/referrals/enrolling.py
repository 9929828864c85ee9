"""A member enrolled with a referral code becomes that member's referral (PENDING until its
first qualifying purchase), in the enrolment's own transaction: an unknown or closed code, or
a self-referral, refuses the enrolment and writes nothing."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners.referrals import repository as repo
from partners.referrals.errors import ReferralCodeNotFound, SelfReferral
from partners.referrals.program import normalize_code, same_person

MAX_CODE = 64


def checked_code(code: str) -> str:
    cleaned = normalize_code(code)
    if not 0 < len(code) <= MAX_CODE or not cleaned.isalnum():
        raise InvalidInput(
            f"referralCode must be 1 to {MAX_CODE} letters and digits", field=["referralCode"]
        )
    return cleaned


async def refer(
    conn: Conn,
    *,
    referred_member_id: int,
    email: str | None,
    code: str,
    partner_id: int | None,
    now: datetime,
) -> int:
    """Record the referral of the new member; returns the referrer's id."""
    cleaned = checked_code(code)
    referrer = await repo.active_referrer(conn, cleaned)
    if referrer is None or referrer.member_id == referred_member_id:
        raise ReferralCodeNotFound("no member has this referral code", field=["referralCode"])
    if same_person(email, referrer.email):
        raise SelfReferral(
            "this referral code is the new member's own (the same mailbox)",
            field=["referralCode"],
        )
    await repo.insert_referral(
        conn,
        referred_member_id=referred_member_id,
        referrer_member_id=referrer.member_id,
        code=cleaned,
        partner_id=partner_id,
        now=now,
    )
    return referrer.member_id
