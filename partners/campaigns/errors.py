"""Refusals of campaigns and promo codes (those the earn's SQL raises live in the ledger:
``CampaignsChanged``, ``PromoCodeLimitReached``)."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound
from exchange.ledger.errors import CampaignsChanged, PromoCodeLimitReached

__all__ = [
    "CampaignNotFound",
    "CampaignsChanged",
    "PromoCodeLimitReached",
    "PromoCodeMinimumNotMet",
    "PromoCodeNotActive",
    "PromoCodeNotApplicable",
    "PromoCodeNotFound",
    "SegmentNotFound",
]


class CampaignNotFound(NotFound):
    """No campaign with that code (or one the calling partner may not see)."""

    code = "CAMPAIGN_NOT_FOUND"


class SegmentNotFound(NotFound):
    """No member segment with that code."""

    code = "SEGMENT_NOT_FOUND"


class PromoCodeNotFound(NotFound):
    """No promo code like the one presented."""

    code = "PROMO_CODE_NOT_FOUND"


class PromoCodeNotActive(ExchangeError):
    """The promo code is outside its validity window at the purchase's time."""

    code = "PROMO_CODE_NOT_ACTIVE"


class PromoCodeNotApplicable(ExchangeError):
    """The promo code does not apply here: another partner's, another tier's or segment's, or
    no line of the basket is in its categories."""

    code = "PROMO_CODE_NOT_APPLICABLE"


class PromoCodeMinimumNotMet(ExchangeError):
    """The qualifying lines cost less than the promo code's minimum order."""

    code = "PROMO_CODE_MINIMUM_NOT_MET"
