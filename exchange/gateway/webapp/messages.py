"""What the web app says, in the member's language: why something was refused (by error
code) and what each line of the history was (by kind)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from exchange.kit.errors import ExchangeError
from exchange.portal.errors import RateLimited
from exchange.portal.history import Line
from partners.conversions.reading import Conversion
from partners.conversions.rules import Direction

from .i18n import Formats

Gettext = Callable[[str], str]


def refusal(_: Gettext, error: ExchangeError) -> str:
    """A refusal as the member reads it (the code decides; English falls back to the
    ledger's own message)."""
    if isinstance(error, RateLimited):
        minutes = max(1, (error.retry_after + 59) // 60)
        return _("Too many attempts. Try again in %(minutes)s min.") % {"minutes": minutes}
    by_code = {
        "INVALID_LOGIN_CODE": _("This code is wrong or has expired. Ask for a new one."),
        "INSUFFICIENT_POINTS": _("You do not have that many points available."),
        "TRANSFER_LIMIT_EXCEEDED": _("That is more than you may still transfer today."),
        "MEMBER_NOT_FOUND": _("No member has this email address and card number."),
        "MEMBER_CLOSED": _("This account is closed: no points can move."),
        "INVALID_AMOUNT": _("Enter a whole number of points, at least 1."),
        "CARD_IN_USE": _("This card is already linked to your account."),
        "INVALID_CARD_LINK_CODE": _("This code is wrong or has expired. Start again."),
        "IDEMPOTENCY_CONFLICT": _("This form was already sent with other values. Start again."),
        "POOL_NOT_FOUND": _("You do not belong to this pool."),
        "POOL_OWNER_ONLY": _("Only the pool's owner may change its members."),
    }
    if error.code in by_code:
        return by_code[error.code]
    if error.field == ["toMemberId"]:
        return _("You cannot transfer points to yourself.")
    if error.field == ["identifier"]:
        return _("Enter your email address or your phone number with its country code.")
    if error.field in (["cardNumber"], ["toCardNumber"]):
        return _("Enter the card number exactly as printed on the card.")
    if error.field == ["cards"]:
        return _("This account has as many cards as it may have.")
    return error.message


def reason(_: Gettext, line: Line, formats: Formats) -> str:
    """Why the points moved, in words."""
    partner = line.partner_name or _("the program")
    if line.conversion is not None and line.kind in ("EARN", "BURN"):
        return converted(_, line.conversion, partner, formats)
    amount = (
        formats.money(line.amount, line.currency)
        if line.amount is not None and line.currency
        else ""
    )
    texts = {
        "EARN": _("Purchase of %(amount)s at %(partner)s"),
        "EARN_REVERSAL": _("Return of %(amount)s at %(partner)s"),
        "BURN": _("Paid with points at %(partner)s"),
        "BURN_REFUND": _("Points given back by %(partner)s"),
        "TRANSFER_OUT": _("Sent to another member"),
        "TRANSFER_IN": _("Received from another member"),
        "EXPIRY": _("Points expired"),
    }
    if line.purpose == "POOL_CONTRIBUTION":
        texts = {"TRANSFER_OUT": _("Given to a shared pool"), "TRANSFER_IN": _("Given by a member")}
    if line.kind not in texts:
        return line.reason  # bonuses and adjustments carry the operator's own words
    return texts[line.kind] % {"amount": amount, "partner": partner}


def converted(_: Gettext, conversion: dict[str, Any], partner: str, formats: Formats) -> str:
    """An earn or burn that converted points with a partner's program."""
    amount = f"{formats.number(Decimal(conversion['amount']))} {conversion['currency']}"
    if conversion["direction"] == "IN":
        text = _("Converted %(amount)s from %(partner)s into points")
    else:
        text = _("Converted into %(amount)s at %(partner)s")
    return text % {"amount": amount, "partner": partner}


def conversion_refusal(_: Gettext, error: ExchangeError) -> str:
    """Why a quote or a conversion was refused, as the member reads it."""
    by_code = {
        "CONVERSION_LIMIT_EXCEEDED": _("That is outside this program's limits (listed above)."),
        "CONVERSION_NOT_OFFERED": _("This program does not offer that direction now."),
        "CONVERSION_CURRENCY_NOT_FOUND": _("Choose a program from the list."),
        "CONVERSION_QUOTE_EXPIRED": _("This quote has expired. Ask for a new one."),
        "CONVERSION_QUOTE_USED": _("This quote was already used."),
    }
    if error.code in by_code:
        return by_code[error.code]
    if error.code == "INVALID_AMOUNT" and error.field == ["amount"]:
        return _("Enter an amount that gives at least one point or one unit.")
    if error.field == ["programAccount"]:
        return _("Enter your account number as the program writes it.")
    return refusal(_, error)


def conversion_what(_: Gettext, conversion: Conversion, formats: Formats) -> str:
    """1,000 SKY into 800 points / 1,000 points into 1,250 SKY."""
    numbers = {
        "amount": formats.number(conversion.amount),
        "currency": conversion.currency,
        "points": formats.number(conversion.points),
    }
    if conversion.direction is Direction.IN:
        return _("%(amount)s %(currency)s into %(points)s points") % numbers
    return _("%(points)s points into %(amount)s %(currency)s") % numbers


def conversion_status(_: Gettext, status: str) -> str:
    return {
        "PENDING": _("Waiting for the partner"),
        "COMPLETED": _("Done"),
        "DECLINED": _("Declined by the partner"),
        "EXPIRED": _("Not confirmed in time"),
    }.get(status, status)


def kind_name(_: Gettext, kind: str) -> str:
    return {
        "EARN": _("Earned"),
        "EARN_REVERSAL": _("Purchase returned"),
        "BURN": _("Spent"),
        "BURN_REFUND": _("Refunded"),
        "TRANSFER_IN": _("Transfer received"),
        "TRANSFER_OUT": _("Transfer sent"),
        "EXPIRY": _("Expired"),
        "ADJUSTMENT": _("Adjustment"),
        "BONUS": _("Bonus"),
    }.get(kind, kind)
