"""The ledger keeps what a burn met of the burn rules (migration 0015): a burn's details and
reason, a hold's details for its capture (which meets their minimum points), a refund's copy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from ledger_support import Ledger, new_key

from exchange.kit.db import transaction
from exchange.ledger import burning
from exchange.ledger.errors import BurnLimitExceeded
from exchange.ledger.outcome import Request

DETAILS = {"pointValue": "0.01", "pointValueFrom": "RULE", "currency": "EUR", "minimumPoints": 100}


async def test_a_burn_keeps_its_details_and_reason_and_a_refund_copies_them(
    ledger: Ledger, pool, make_partner, make_member, audited
):
    partner = await make_partner(earn_rate="100")
    member = await make_member(partner)
    now = datetime.now(UTC)
    await ledger.earn(member, partner.id, "10.00", now=now)
    request = Request(f"partner:{partner.id}", new_key("burn"), "redeemReward", {"m": member})
    async with transaction(pool) as conn:
        burned = await burning.burn(
            conn,
            request,
            member_id=member,
            partner_id=partner.id,
            points=300,
            order_id=None,
            now=now,
            details=DETAILS,
            reason="Reward: a coffee",
        )
    assert burned.transaction_id is not None
    [burn] = await ledger.fetch(
        "SELECT reason, details FROM journal_entries WHERE id = %s", burned.transaction_id
    )
    assert burn == {"reason": "Reward: a coffee", "details": DETAILS}
    refunded = await ledger.refund(burned.transaction_id, 100, now=now, partner_id=partner.id)
    [refund] = await ledger.fetch(
        "SELECT reason, details FROM journal_entries WHERE id = %s", refunded.transaction_id
    )
    assert refund == {"reason": "Points refunded", "details": DETAILS}


async def test_a_capture_keeps_its_holds_details_and_meets_their_minimum(
    ledger: Ledger, pool, make_partner, make_member, audited
):
    partner = await make_partner(earn_rate="100")
    member = await make_member(partner)
    now = datetime.now(UTC)
    await ledger.earn(member, partner.id, "10.00", now=now)
    request = Request(f"partner:{partner.id}", new_key("auth"), "authorizeBurn", {"m": member})
    async with transaction(pool) as conn:
        held = await burning.authorize(
            conn,
            request,
            member_id=member,
            partner_id=partner.id,
            points=500,
            order_id=None,
            ttl=timedelta(minutes=5),
            now=now,
            details=DETAILS,
        )
    assert held.hold_id is not None
    with pytest.raises(BurnLimitExceeded) as refused:
        await ledger.capture(held.hold_id, partner.id, 99, now=now)
    assert refused.value.message == "at least 100 points per burn: 99 requested"
    assert refused.value.field == ["points"]
    captured = await ledger.capture(held.hold_id, partner.id, 100, now=now)
    [burn] = await ledger.fetch(
        "SELECT points, reason, details FROM journal_entries WHERE id = %s",
        captured.transaction_id,
    )
    assert burn == {"points": 100, "reason": "Points spent", "details": DETAILS}
    assert (await ledger.balance(member))["held"] == 0
