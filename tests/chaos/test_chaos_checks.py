"""The chaos checks find what they look for: an answer the ledger does not hold, a wrong
number of points, an entry no idempotency record names, answers of one key that disagree, an
IDEMPOTENCY_CONFLICT, held points no lot backs, an event never delivered. (On a database of
the test's own; these are quick and run with the rest of the suite.)"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from decimal import Decimal

from chaos_checks import agreeing_answers, ledger_matches, negative_balances, undelivered
from load_driver import Ack, Call, Report

from exchange.kit.db import Pool, connection, transaction
from exchange.kit.money import Money
from exchange.ledger import members
from exchange.ledger.outcome import Request
from partners import registry
from partners.purchases import earn_purchase


async def _earn(pool: Pool, key: str) -> tuple[Call, Ack]:
    """A real earn of 25 points through the ledger, and the answer a client was given."""
    now = datetime.now(UTC)
    async with transaction(pool) as conn:
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                "CHECKS", "Checks", Decimal(1), Decimal("0.01"), Decimal("0.008"), "EUR"
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        member = await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=partner.id, now=now
        )
    caller = f"partner:{partner.id}"
    body = {"memberId": member, "amount": {"amount": "25.00", "currency": "EUR"}}
    async with connection(pool) as conn:
        outcome = await earn_purchase(
            conn,
            Request(caller, key, "earnPoints", body),
            partner_id=partner.id,
            member_id=member,
            money=Money(Decimal("25.00"), "EUR"),
            lines=[],
            order_id=None,
            occurred_at=now,
            now=now,
        )
    call = Call("earnPoints", caller, "ptk", key, {"idempotencyKey": key})
    return call, Ack(call, None, outcome.transaction_id, None, 25, 1, 1.0)


async def test_the_ledger_checks_find_what_does_not_match(fresh_pool: Pool) -> None:
    call, ack = await _earn(fresh_pool, "earn-1")
    assert await ledger_matches(fresh_pool, Report(acks=[ack])) == []

    wrong_id = dataclasses.replace(ack, transaction_id=(ack.transaction_id or 0) + 1000)
    wrong_points = dataclasses.replace(ack, points=26)
    never_done = Ack(dataclasses.replace(call, key="never"), None, 1, None, 25, 1, 1.0)
    for made_up in (wrong_id, wrong_points, never_done):
        assert await ledger_matches(fresh_pool, Report(acks=[made_up])), made_up

    async with transaction(fresh_pool) as conn:  # the entry, as if posted by no keyed call
        await conn.execute("DELETE FROM idempotency_records WHERE key = 'earn-1'")
    [finding] = await ledger_matches(fresh_pool, Report())
    assert finding.startswith("EARN: 1 entries for 0 records")


async def test_held_points_without_lots_are_found(fresh_pool: Pool) -> None:
    await _earn(fresh_pool, "earn-2")
    assert await negative_balances(fresh_pool) == []
    async with transaction(fresh_pool) as conn:
        await conn.execute("UPDATE member_balances SET held = 26")
    [finding] = await negative_balances(fresh_pool)
    assert "'held': 26" in finding and "'lots': Decimal('25')" in finding


def test_answers_of_one_key_must_agree() -> None:
    call = Call("earnPoints", "partner:1", "ptk", "k", {})
    done = Ack(call, None, 7, None, 25, 1, 1.0)
    assert agreeing_answers(Report(acks=[done, dataclasses.replace(done, at=2.0)])) == []
    refused_first = Ack(call, "INSUFFICIENT_POINTS", None, None, None, 1, 0.5)
    assert agreeing_answers(Report(acks=[refused_first, done])) == []  # a refusal keeps no key
    other = dataclasses.replace(done, transaction_id=8, at=2.0)
    refused_after = Ack(call, "INSUFFICIENT_POINTS", None, None, None, 1, 3.0)
    conflict = Ack(call, "IDEMPOTENCY_CONFLICT", None, None, None, 1, 0.1)
    for wrong in (other, refused_after, conflict):
        assert agreeing_answers(Report(acks=[done, wrong])), wrong


def test_an_event_the_receiver_never_got_is_found() -> None:
    events = [{"event_id": "evt_1"}, {"event_id": "evt_2"}]
    assert undelivered(events, {"evt_1": 1, "evt_2": 3}) == []
    [finding] = undelivered(events, {"evt_2": 1})
    assert finding.startswith("1 of 2 events never delivered") and "evt_1" in finding
