"""Refusals of referrals."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class ReferralCodeNotFound(NotFound):
    """No active member has this referral code."""

    code = "REFERRAL_CODE_NOT_FOUND"


class SelfReferral(ExchangeError):
    """The member enrolled is the referrer itself: its email is the referrer's mailbox."""

    code = "SELF_REFERRAL"
