"""Refusals of the ledger, each with the stable code of contract section 4."""

from __future__ import annotations

from exchange.kit.errors import ExchangeError, NotFound


class MemberNotFound(NotFound):
    """No member with that id/card/external id, or one the calling partner was never shown."""

    code = "MEMBER_NOT_FOUND"


class MemberClosed(ExchangeError):
    """The member's account is closed: nothing moves any more."""

    code = "MEMBER_CLOSED"


class MemberAlreadyEnrolled(ExchangeError):
    """Enrolment with an email, phone or card number that another member already has."""

    code = "MEMBER_ALREADY_ENROLLED"


class InsufficientPoints(ExchangeError):
    """A burn, hold or transfer larger than the member's available balance."""

    code = "INSUFFICIENT_POINTS"


class BurnLimitExceeded(ExchangeError):
    """A burn over the partner's burn rules: a basket share, a minimum basket or minimum points
    (the message names the limit)."""

    code = "BURN_LIMIT_EXCEEDED"


class RedemptionNotAccepted(ExchangeError):
    """The partner accepts no points as payment (its burn rules opt out of redemption)."""

    code = "REDEMPTION_NOT_ACCEPTED"


class TransferLimitExceeded(ExchangeError):
    """A transfer beyond the points a member may still send today (the daily limit)."""

    code = "TRANSFER_LIMIT_EXCEEDED"


class HoldNotFound(NotFound):
    """No hold with that id for the calling partner."""

    code = "HOLD_NOT_FOUND"


class HoldExpired(ExchangeError):
    """The hold's time ran out before the capture; its points went back to the member."""

    code = "HOLD_EXPIRED"


class HoldAlreadyFinal(ExchangeError):
    """The hold was already captured, voided or expired."""

    code = "HOLD_ALREADY_FINAL"


class TransactionNotFound(NotFound):
    """No transaction with that id for the calling partner (or of the wrong kind)."""

    code = "NOT_FOUND"


class AmountExceedsOriginal(ExchangeError):
    """A reversal, refund or capture larger than what is left of the original."""

    code = "AMOUNT_EXCEEDS_ORIGINAL"


class PartnerSuspended(ExchangeError):
    """The partner is suspended: it may not issue or redeem points."""

    code = "PARTNER_SUSPENDED"


class PartnerCreditLimit(ExchangeError):
    """A PREPAID partner's earn beyond the point blocks it bought plus its credit limit."""

    code = "PARTNER_CREDIT_LIMIT"


class NoPriceInForce(ExchangeError):
    """No issue price / redemption value was in force at the transaction's time."""

    code = "NO_PRICE_IN_FORCE"


class EarnRulesChanged(ExchangeError):
    """The earn rule version an earn was priced with is not the one in force at its time (a
    version was set since the rules were read): the caller prices the purchase again."""

    code = "EARN_RULES_CHANGED"


class CampaignsChanged(ExchangeError):
    """An earn priced with campaigns that changed meanwhile (a version added in another
    process): the earn path reads them again and prices once more before answering this."""

    code = "CAMPAIGNS_CHANGED"


class PromoCodeLimitReached(ExchangeError):
    """A promo code whose use or point limits (per member, in total) leave nothing for this
    earn; counted under the member's lock, so never exceeded."""

    code = "PROMO_CODE_LIMIT_REACHED"
