"""Earning points and taking them back (``earnPoints``, ``reverseEarn``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.kit.ids import to_global_id
from exchange.kit.money import Money, round_to_minor
from exchange.ledger import events, functions, linked_returns
from exchange.ledger import repository as repo
from exchange.ledger.errors import AmountExceedsOriginal, TransactionNotFound
from exchange.ledger.linked_returns import LinkedPricer, ReturnSoFar, Taken
from exchange.ledger.locking import lock_active_member
from exchange.ledger.lots import plan_reversal
from exchange.ledger.outcome import Outcome, Request


@dataclass(frozen=True)
class IssuerTerms:
    """What the issuing partner's terms were at the earn's business time."""

    partner_id: int
    issue_price: Decimal
    earn_rate: Decimal
    validity_days: int | None


@dataclass(frozen=True)
class DayCap:
    """At most ``limit`` points earned by the member at the partner in [start, end) of
    business time (the earn counts the day's earns under the member's lock)."""

    limit: int
    start: datetime
    end: datetime


async def earn(
    conn: Conn,
    request: Request,
    *,
    member_id: int,
    partner_id: int,
    earn_rate: Decimal,
    points: int,
    amount: Money,
    order_id: str | None,
    occurred_at: datetime,
    now: datetime,
    details: dict[str, Any] | None = None,
    rule_set_id: int | None = None,
    day_cap: DayCap | None = None,
    campaigns: Campaigns | None = None,
) -> Outcome:
    """Credit ``points`` to the member as a new lot issued by the partner, at the issue price
    in force at ``occurred_at``; a debt is paid first. One round trip (``ledger_earn``).

    With ``rule_set_id``, the earn rule version the points were computed with: refused with
    ``EarnRulesChanged`` unless it is the one in force at ``occurred_at``. With ``day_cap``,
    the points are clamped to what the cap leaves of the member's day, and ``details`` get
    ``dailyCap`` (the limit, the points earned before, the points it let through). With
    ``campaigns``, refused with ``CampaignsChanged`` unless they were read at the current
    generation; their claims are granted within their limits and posted as BONUS entries
    beside the EARN (``details.campaigns`` records them)."""
    return await functions.call(
        conn,
        "ledger_earn",
        p_caller=request.caller,
        p_key=request.idempotency_key,
        p_hash=request.fingerprint(),
        p_member_id=member_id,
        p_partner_id=partner_id,
        p_points=points,
        p_order_id=order_id,
        p_occurred_at=occurred_at,
        p_now=now,
        p_currency=amount.currency,
        p_amount=amount.amount,
        p_earn_rate=earn_rate,
        p_details=details,
        p_rule_set_id=rule_set_id,
        p_day_cap=None if day_cap is None else day_cap.limit,
        p_day_start=None if day_cap is None else day_cap.start,
        p_day_end=None if day_cap is None else day_cap.end,
        p_campaign_generation=None if campaigns is None else campaigns.generation,
        p_campaigns=None if campaigns is None else campaigns.claims,
    )


@dataclass(frozen=True)
class Campaigns:
    """The campaigns an earn was priced with: the generation they were read at, and the
    claims of those that apply (JSON, as ``campaign_grant`` reads them; None: none)."""

    generation: int
    claims: list[dict[str, Any]] | None = None


def points_for_return(
    original_points: int, original_amount: Decimal, returned_before: Decimal, returning: Decimal
) -> int:
    """Points a return takes back, at the original's rates, counted on the cumulative amount.

    floor(points x returned_total / amount) less what earlier returns took: partial returns
    never take more in total than the earn gave, and the last one takes exactly the rest.
    """
    total = Decimal(original_points) * (returned_before + returning) / original_amount
    before = Decimal(original_points) * returned_before / original_amount
    return int(total.to_integral_value(ROUND_FLOOR)) - int(before.to_integral_value(ROUND_FLOOR))


@dataclass(frozen=True)
class EarnRecord:
    """An earn as the ledger recorded it, with the details of the returns already made of
    it: what a ``ReturnPricer`` prices a return from."""

    points: int
    amount: Decimal
    currency: str
    details: dict[str, Any]
    returns: tuple[dict[str, Any] | None, ...]


@dataclass(frozen=True)
class Return:
    """A return as the rules layer priced it: the money returned, the points it takes back,
    and what its reversal keeps of how (``details``)."""

    amount: Decimal
    points: int
    details: dict[str, Any] | None = None


ReturnPricer = Callable[[EarnRecord], Return]
"""Prices a return from the earn's record (called under the member's lock)."""


async def reverse_earn(
    conn: Conn,
    request: Request,
    *,
    partner_id: int | None,
    transaction_id: int,
    amount: Decimal | None,
    now: datetime,
    priced: ReturnPricer | None = None,
    linked: LinkedPricer | None = None,
) -> Outcome:
    """Take back an earn (a returned purchase), whole or in part, from its own lot first. The
    points of an earn a PREPAID partner drew from its blocks go back to its allowance.

    ``amount`` (None: all that is left) takes back points in proportion; ``priced`` lets the
    rules layer say what is returned and what it takes back (lines at the rates used). Either
    way no return takes more than the earn has left, and the one that completes the purchase
    takes exactly the rest. ``linked`` says what the return takes back of the entries posted
    with the earn (its campaigns' BONUS entries: ``linked_returns``)."""
    if (done := await request.replay(conn)) is not None:
        return done
    original = await repo.entry_for_partner(conn, transaction_id, partner_id, "EARN")
    if original is None:
        raise TransactionNotFound("no earn transaction with this id", field=["transactionId"])
    if original["amount"] is None:
        raise InvalidInput(
            "points converted from a partner's program are not a purchase: they are not reversed",
            field=["transactionId"],
        )
    member = await lock_active_member(conn, original["member_id"], None)
    taken, returned_before = await repo.already_undone(conn, transaction_id, "EARN_REVERSAL")
    left = round_to_minor(original["amount"] - returned_before, original["currency"])
    if priced is None:
        returning = left if amount is None else amount
        _check_left(returning, left, original["currency"], "amount")
        points = points_for_return(
            original["points"], original["amount"], returned_before, returning
        )
        details = None
    else:
        record = await _record(conn, original)
        done_return = priced(record)
        returning, points, details = done_return.amount, done_return.points, done_return.details
        _check_left(returning, left, original["currency"], "lines")
    points_left = original["points"] - taken
    points = points_left if returning == left else min(points, points_left)
    so_far = ReturnSoFar(
        original["amount"],
        (*await linked_returns.returns_of(conn, original["id"]), (returning, details)),
        complete=returning == left,
    )
    also = await linked_returns.take_back(
        conn, linked, so_far, earn_id=original["id"], member=member, now=now
    )
    return await _post_reversal(
        conn, request, original, member, (points, returning, details), now, also
    )


def _check_left(returning: Decimal, left: Decimal, currency: str, field: str) -> None:
    if returning <= 0 or returning > left:
        raise AmountExceedsOriginal(
            f"at most {left} {currency} of this purchase is left to reverse", field=[field]
        )


async def _record(conn: Conn, original: dict[str, Any]) -> EarnRecord:
    returns = await repo.undone_details(conn, original["id"], "EARN_REVERSAL")
    return EarnRecord(
        points=original["points"],
        amount=original["amount"],
        currency=original["currency"],
        details=original["details"] or {},
        returns=tuple(returns),
    )


async def _post_reversal(
    conn: Conn,
    request: Request,
    original: dict[str, Any],
    member: repo.LockedMember,
    taking: tuple[int, Decimal, dict[str, Any] | None],
    now: datetime,
    also: Taken,
) -> Outcome:
    """The EARN_REVERSAL, after ``also`` (what the return took of the linked entries): one
    balance change and one event for both."""
    points, returning, details = taking
    member_id = member.member_id
    entry_id = await repo.insert_entry(
        conn,
        kind="EARN_REVERSAL",
        member_id=member_id,
        partner_id=original["partner_id"],
        points=points,
        order_id=original["order_id"],
        occurred_at=now,
        posted_at=now,
        reason=f"Return of {returning} {original['currency']} from a purchase",
        original_entry_id=original["id"],
        currency=original["currency"],
        amount=returning,
        issue_price=original["issue_price"],
        earn_rate=original["earn_rate"],
        prepaid=original["prepaid"],
        details=details,
    )
    debt = 0
    if points > 0:
        await repo.post_pair(
            conn,
            entry_id=entry_id,
            member_account_id=member.account_id,
            points=-points,
            partner_id=original["partner_id"],
            counter_kind="PARTNER_ISSUED",
        )
        lots = await repo.open_lots(conn, member_id)
        takes, debt = plan_reversal(
            lots, points, own_entry_id=original["id"], held=member.held, now=now
        )
        await repo.consume(
            conn,
            entry_id=entry_id,
            member_id=member_id,
            kind="REVERSAL",
            takes=takes,
            redeemer_partner_id=None,
        )
    after = await repo.change_balance(
        conn, member_id, balance=-points - also.points, debt=debt + also.debt, at=now
    )
    extra = {"campaignPoints": also.points} if also.points else {}
    await events.emit(
        conn,
        event_type="points.earn_reversed",
        partner_id=original["partner_id"],
        member_id=member_id,
        member_seq=after.seq,
        entry_id=entry_id,
        created_at=now,
        data={
            "transactionId": to_global_id("Transaction", entry_id),
            "originalTransactionId": to_global_id("Transaction", original["id"]),
            "memberId": to_global_id("Member", member_id),
            "points": points,
            "amount": {"amount": format(returning, "f"), "currency": original["currency"]},
            "debt": after.debt,
            "balance": after.balance,
            **extra,
        },
    )
    given_back = (points if original["prepaid"] else 0) + also.prepaid_points
    if given_back > 0:  # last: the allowance row is locked until commit
        await repo.give_back_prepaid(conn, original["partner_id"], given_back)
    return await request.remember(
        conn,
        Outcome(member_id=member_id, points=points, transaction_id=entry_id, debt=debt + also.debt),
    )
