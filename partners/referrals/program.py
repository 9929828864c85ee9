"""The referral program as values: a version's bonuses and what qualifies a purchase, the
checks of a new version, and how two enrolments are told to be one person. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.errors import InvalidInput

MAX_POINTS = 1_000_000
MAX_VALIDITY_DAYS = 3660
GMAIL = ("gmail.com", "googlemail.com")


@dataclass(frozen=True)
class Terms:
    """What a referral pays: ``referrer_points`` to the member whose code was used and
    ``referred_points`` to the new member, once the new member's first earn of at least
    ``minimum_points`` is posted; the operator's lots live ``validity_days`` (None: no end)."""

    referrer_points: int
    referred_points: int
    minimum_points: int
    validity_days: int | None = None


@dataclass(frozen=True)
class Program:
    id: int
    version: int
    effective_from: datetime
    terms: Terms


def checked(terms: Terms) -> Terms:
    for field, value, least in (
        ("referrerPoints", terms.referrer_points, 0),
        ("referredPoints", terms.referred_points, 0),
        ("minimumPoints", terms.minimum_points, 1),
    ):
        if not least <= value <= MAX_POINTS:
            raise InvalidInput(f"{field} must be between {least} and {MAX_POINTS:,}", field=[field])
    days = terms.validity_days
    if days is not None and not 0 < days <= MAX_VALIDITY_DAYS:
        raise InvalidInput(
            f"validityDays must be between 1 and {MAX_VALIDITY_DAYS}", field=["validityDays"]
        )
    return terms


def canonical_email(email: str) -> str:
    """One mailbox, one spelling: lower case, without a ``+tag``, and for Gmail without the
    dots it ignores (ana.b+x@googlemail.com and anab@gmail.com are one mailbox)."""
    local, _, domain = email.strip().lower().rpartition("@")
    local = local.split("+", 1)[0]
    if domain in GMAIL:
        local, domain = local.replace(".", ""), GMAIL[0]
    return f"{local}@{domain}"


def same_person(new_email: str | None, referrer_email: str | None) -> bool:
    """A self-referral: the new member's email is the referrer's mailbox spelled another way.
    (An email, phone or card number already enrolled is refused at enrolment anyway.)"""
    if not new_email or not referrer_email:
        return False
    return canonical_email(new_email) == canonical_email(referrer_email)


def normalize_code(code: str) -> str:
    """As members read it: any case, spaces and dashes left out, O as 0, I and L as 1."""
    cleaned = code.strip().upper().replace(" ", "").replace("-", "")
    return cleaned.translate(str.maketrans("OIL", "011"))
