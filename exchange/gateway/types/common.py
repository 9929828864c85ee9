"""Shared shapes: Node, Money, UserError and its ErrorCode, PageInfo."""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from decimal import Decimal
from typing import TypeVar, cast

import strawberry

from exchange.kit.errors import ExchangeError
from exchange.kit.money import MINOR_UNITS, round_to_minor

logger = logging.getLogger(__name__)

R = TypeVar("R", bound=Callable[..., object])


def described(description: str) -> Callable[[R], R]:
    """``@strawberry.field(description=...)``, keeping the resolver typed for mypy --strict."""

    def wrap(resolver: R) -> R:
        return cast(R, strawberry.field(resolver, description=description))

    return wrap


@strawberry.interface(description="An object with an opaque global id, found by `node(id:)`.")
class Node:
    id: strawberry.ID


@strawberry.enum(description="Stable codes of business refusals (userErrors).")
class ErrorCode(enum.Enum):
    MEMBER_NOT_FOUND = "MEMBER_NOT_FOUND"
    MEMBER_CLOSED = "MEMBER_CLOSED"
    MEMBER_ALREADY_ENROLLED = "MEMBER_ALREADY_ENROLLED"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    PARTNER_CREDIT_LIMIT = "PARTNER_CREDIT_LIMIT"
    HOLD_NOT_FOUND = "HOLD_NOT_FOUND"
    HOLD_EXPIRED = "HOLD_EXPIRED"
    HOLD_ALREADY_FINAL = "HOLD_ALREADY_FINAL"
    AMOUNT_EXCEEDS_ORIGINAL = "AMOUNT_EXCEEDS_ORIGINAL"
    IDEMPOTENCY_CONFLICT = "IDEMPOTENCY_CONFLICT"
    INVALID_AMOUNT = "INVALID_AMOUNT"
    UNSUPPORTED_CURRENCY = "UNSUPPORTED_CURRENCY"
    BURN_LIMIT_EXCEEDED = "BURN_LIMIT_EXCEEDED"
    REDEMPTION_NOT_ACCEPTED = "REDEMPTION_NOT_ACCEPTED"
    REWARD_NOT_FOUND = "REWARD_NOT_FOUND"
    REWARD_NOT_AVAILABLE = "REWARD_NOT_AVAILABLE"
    REWARD_OUT_OF_STOCK = "REWARD_OUT_OF_STOCK"
    RATE_LIMITED = "RATE_LIMITED"
    TRANSFER_LIMIT_EXCEEDED = "TRANSFER_LIMIT_EXCEEDED"
    INVALID_LOGIN_CODE = "INVALID_LOGIN_CODE"
    CARD_IN_USE = "CARD_IN_USE"
    INVALID_CARD_LINK_CODE = "INVALID_CARD_LINK_CODE"
    MEMBERSHIP_PLAN_NOT_FOUND = "MEMBERSHIP_PLAN_NOT_FOUND"
    BONUS_EVENT_TYPE_NOT_FOUND = "BONUS_EVENT_TYPE_NOT_FOUND"
    BONUS_LIMIT_EXCEEDED = "BONUS_LIMIT_EXCEEDED"
    BONUS_ALREADY_AWARDED = "BONUS_ALREADY_AWARDED"
    REFERRAL_CODE_NOT_FOUND = "REFERRAL_CODE_NOT_FOUND"
    SELF_REFERRAL = "SELF_REFERRAL"
    POOL_NOT_FOUND = "POOL_NOT_FOUND"
    POOL_OWNER_ONLY = "POOL_OWNER_ONLY"
    POOL_SPENDING_NOT_ALLOWED = "POOL_SPENDING_NOT_ALLOWED"
    POOL_LIMIT_EXCEEDED = "POOL_LIMIT_EXCEEDED"
    CONVERSION_CURRENCY_NOT_FOUND = "CONVERSION_CURRENCY_NOT_FOUND"
    CONVERSION_NOT_OFFERED = "CONVERSION_NOT_OFFERED"
    CONVERSION_LIMIT_EXCEEDED = "CONVERSION_LIMIT_EXCEEDED"
    CONVERSION_QUOTE_NOT_FOUND = "CONVERSION_QUOTE_NOT_FOUND"
    CONVERSION_QUOTE_EXPIRED = "CONVERSION_QUOTE_EXPIRED"
    CONVERSION_QUOTE_USED = "CONVERSION_QUOTE_USED"
    CONVERSION_ALREADY_FINAL = "CONVERSION_ALREADY_FINAL"
    CONVERSION_EXPIRED = "CONVERSION_EXPIRED"
    NOT_FOUND = "NOT_FOUND"
    INVALID_INPUT = "INVALID_INPUT"
    PARTNER_NOT_FOUND = "PARTNER_NOT_FOUND"
    PARTNER_ALREADY_EXISTS = "PARTNER_ALREADY_EXISTS"
    PARTNER_SUSPENDED = "PARTNER_SUSPENDED"
    NO_PRICE_IN_FORCE = "NO_PRICE_IN_FORCE"
    EARN_RULES_CHANGED = "EARN_RULES_CHANGED"
    API_KEY_NOT_FOUND = "API_KEY_NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    WEBHOOK_ENDPOINT_NOT_FOUND = "WEBHOOK_ENDPOINT_NOT_FOUND"
    WEBHOOK_EVENT_NOT_FOUND = "WEBHOOK_EVENT_NOT_FOUND"
    WEBHOOK_ENDPOINT_DISABLED = "WEBHOOK_ENDPOINT_DISABLED"
    WEBHOOK_TARGET_REFUSED = "WEBHOOK_TARGET_REFUSED"
    SETTLEMENT_BATCH_NOT_FOUND = "SETTLEMENT_BATCH_NOT_FOUND"
    SETTLEMENT_DRAFT_EXISTS = "SETTLEMENT_DRAFT_EXISTS"
    SETTLEMENT_IN_PROGRESS = "SETTLEMENT_IN_PROGRESS"
    SETTLEMENT_BATCH_NOT_DRAFT = "SETTLEMENT_BATCH_NOT_DRAFT"
    SETTLEMENT_BATCH_NOT_APPROVED = "SETTLEMENT_BATCH_NOT_APPROVED"
    CAMPAIGNS_CHANGED = "CAMPAIGNS_CHANGED"
    CAMPAIGN_NOT_FOUND = "CAMPAIGN_NOT_FOUND"
    CAMPAIGN_ALREADY_EXISTS = "CAMPAIGN_ALREADY_EXISTS"
    SEGMENT_NOT_FOUND = "SEGMENT_NOT_FOUND"
    PROMO_CODE_NOT_FOUND = "PROMO_CODE_NOT_FOUND"
    PROMO_CODE_NOT_ACTIVE = "PROMO_CODE_NOT_ACTIVE"
    PROMO_CODE_NOT_APPLICABLE = "PROMO_CODE_NOT_APPLICABLE"
    PROMO_CODE_MINIMUM_NOT_MET = "PROMO_CODE_MINIMUM_NOT_MET"
    PROMO_CODE_LIMIT_REACHED = "PROMO_CODE_LIMIT_REACHED"


_CODES = {code.value: code for code in ErrorCode}


@strawberry.type(description="A business refusal: nothing was changed.")
class UserError:
    field: list[str] | None = strawberry.field(
        description="Path of the input field at fault, relative to `input`, if one is."
    )
    message: str
    code: ErrorCode

    @classmethod
    def of(cls, error: ExchangeError) -> UserError:
        code = _CODES.get(error.code)
        if code is None:
            logger.error("error code %s is missing from ErrorCode", error.code)
            code = ErrorCode.INVALID_INPUT
        return cls(field=error.field, message=error.message, code=code)


@strawberry.type(description="An amount of money: a decimal string and an ISO 4217 currency.")
class Money:
    amount: str = strawberry.field(description='Decimal string, e.g. "12.50". Never a float.')
    currency: str

    @classmethod
    def of(cls, amount: Decimal, currency: str) -> Money:
        """Shown at the currency's minor unit when that loses nothing (25.0000 -> 25.00)."""
        if currency in MINOR_UNITS and round_to_minor(amount, currency) == amount:
            amount = round_to_minor(amount, currency)
        else:
            amount = amount.normalize()
        return cls(amount=format(amount, "f"), currency=currency)


@strawberry.input(description="An amount of money: a decimal string and an ISO 4217 currency.")
class MoneyInput:
    amount: str = strawberry.field(description='Decimal string such as "25.00".')
    currency: str = strawberry.field(description="ISO 4217 code: the program's currency.")


@strawberry.type(description="Relay page information.")
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None
