"""The event types a partner may subscribe to, and the test event.

Every payload is ``{type, id, createdAt, partnerId, data}``, written by the ledger with the
change that causes it (``ledger_emit``); ``data.memberSequence`` orders one member's events.
The shapes of ``data`` are documented in the README (Webhooks) and stay stable: fields may be
added, never renamed or removed.
"""

from __future__ import annotations

from collections.abc import Sequence

from exchange.kit.errors import InvalidInput

EVENT_TYPES: dict[str, str] = {
    "points.earned": "points credited for a purchase (earnPoints, the bulk import)",
    "points.earn_reversed": "an earn taken back, whole or in part (reverseEarn)",
    "burn.authorized": "points reserved by a hold (authorizeBurn)",
    "burn.captured": "points spent (captureBurn, burnPoints)",
    "burn.voided": "a hold released (voidBurn)",
    "burn.expired": "a hold that ran out before its capture",
    "burn.refunded": "burned points given back (refundBurn)",
    "points.expired": "points this partner issued that expired (runExpiry, exchange expire)",
    "points.expiring": "points of a member this partner enrolled that expire on a date"
    " EXCHANGE_EXPIRY_WARNING_DAYS ahead, once per member and date (exchange worker, exchange"
    " expire --warn)",
    "points.bonus_awarded": "bonus points this partner awarded a member (awardBonus)",
    "member.login_code": "a one-time login code for a member this partner enrolled, to send"
    " by e-mail or SMS (with EXCHANGE_LOGIN_CODE_SENDER=webhook)",
    "member.card_link_code": "a one-time code for a member this partner enrolled, which lets"
    " another account of the web app link one of its cards (the member passes it on only if"
    " that is its own account), to send by e-mail or SMS",
    "member.tier_changed": "the tier that applies to a member this partner enrolled changed"
    " (an earn reached a threshold, a review after the grace, a paid membership sold or"
    " ended)",
    "conversion.requested": "a member asks to convert points into your program: credit it,"
    " then confirmConversion (or declineConversion) before confirmBy",
    "conversion.completed": "a conversion done: into points (at once; debit the member's"
    " amount in your program), or out of points (you confirmed it)",
    "conversion.declined": "a conversion out of points you declined: the points went back",
    "conversion.expired": "a conversion out of points not confirmed by its deadline: the"
    " points went back",
    "settlement.batch_ready": "a settlement batch to review (not emitted yet)",
    "settlement.batch_paid": "a settlement batch paid (not emitted yet)",
}
TEST_EVENT = "webhook.test"
"""Sent by ``sendTestWebhook`` to one endpoint, whatever it subscribes to."""
MAX_EVENT_TYPES = len(EVENT_TYPES)


def check_event_types(event_types: Sequence[str]) -> list[str]:
    """Known, distinct types, at least one; kept in the catalogue's order."""
    unknown = sorted(set(event_types) - EVENT_TYPES.keys())
    if unknown:
        raise InvalidInput(
            f"unknown event types {', '.join(unknown)}; known: {', '.join(EVENT_TYPES)}",
            field=["eventTypes"],
        )
    if not event_types:
        raise InvalidInput("subscribe to at least one event type", field=["eventTypes"])
    return [name for name in EVENT_TYPES if name in set(event_types)]
