"""Worked examples through the ledger services: what partners, members and finance rely on.

Every test ends with the whole-database audit of contract section 7 (``audited`` fixture).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import psycopg
import pytest
from ledger_support import base_time, new_key

from exchange.kit.db import transaction
from exchange.kit.errors import IdempotencyConflict
from exchange.kit.money import Money
from exchange.ledger import burning, earning
from exchange.ledger.errors import (
    AmountExceedsOriginal,
    HoldAlreadyFinal,
    HoldExpired,
    HoldNotFound,
    InsufficientPoints,
    MemberClosed,
    MemberNotFound,
    TransactionNotFound,
)
from exchange.ledger.outcome import Outcome, Request
from partners import registry

pytestmark = pytest.mark.usefixtures("audited")

DAY = timedelta(days=1)


@pytest.fixture
def t0() -> datetime:
    return base_time()


async def member_of(make_member, ledger, *partners):  # type: ignore[no-untyped-def]
    """A fresh member shown to every given partner."""
    member = await make_member(partners[0])
    for partner in partners[1:]:
        await ledger.link(member, partner.id)
    return member


# --- earning ------------------------------------------------------------------------------


async def test_earn_applies_partner_rate_and_lot_expiry(make_partner, make_member, ledger, t0):
    fuel = await make_partner(earn_rate="1.5", issue_price="0.010", validity_days=90)
    member = await make_member(fuel)
    occurred = t0 - timedelta(hours=5)

    out = await ledger.earn(member, fuel.id, "10.99", occurred_at=occurred, now=t0, order_id="A-1")

    # floor(10.99 x 1.5) = floor(16.485) = 16
    assert out == Outcome(member_id=member, points=16, transaction_id=out.transaction_id)
    [entry] = await ledger.fetch("SELECT * FROM journal_entries WHERE id = %s", out.transaction_id)
    assert entry["kind"] == "EARN"
    assert entry["points"] == 16
    assert entry["partner_id"] == fuel.id
    assert entry["order_id"] == "A-1"
    assert entry["amount"] == Decimal("10.99")
    assert entry["currency"] == "EUR"
    assert entry["earn_rate"] == Decimal("1.5")
    assert entry["issue_price"] == Decimal("0.010")
    assert entry["occurred_at"] == occurred
    assert entry["reason"] == "Purchase 10.99 EUR"

    lot = await ledger.lot_of(out.transaction_id)
    assert (lot["points"], lot["remaining"], lot["issuer_partner_id"]) == (16, 16, fuel.id)
    assert lot["earned_at"] == occurred
    assert lot["available_at"] == t0
    assert lot["expires_at"] == occurred + timedelta(days=90)
    assert lot["issue_price"] == Decimal("0.010")

    postings = await ledger.fetch(
        "SELECT a.kind, a.partner_id, p.points FROM postings p JOIN accounts a"
        " ON a.id = p.account_id WHERE p.entry_id = %s ORDER BY p.points",
        out.transaction_id,
    )
    assert [(p["kind"], p["partner_id"], p["points"]) for p in postings] == [
        ("PARTNER_ISSUED", fuel.id, -16),
        ("MEMBER", None, 16),
    ]
    assert await ledger.balance(member) == {"balance": 16, "held": 0, "debt": 0, "seq": 1}


async def test_points_of_a_partner_without_validity_never_expire(
    make_partner, make_member, ledger, t0
):
    forever = await make_partner(earn_rate="2", validity_days=None)
    member = await make_member(forever)
    out = await ledger.earn(member, forever.id, "7.49", occurred_at=t0 - 400 * DAY, now=t0)
    assert out.points == 14
    lot = await ledger.lot_of(out.transaction_id)
    assert lot["expires_at"] is None
    # 400 days later they are still spendable
    burnt = await ledger.burn(member, forever.id, 14, now=t0)
    assert burnt.points == 14


async def test_earn_of_zero_points_posts_an_entry_but_no_lot(make_partner, make_member, ledger, t0):
    shop = await make_partner(earn_rate="1")
    member = await make_member(shop)
    out = await ledger.earn(member, shop.id, "0.99", now=t0)
    assert out.points == 0
    assert await ledger.lots(member) == []
    postings = await ledger.fetch("SELECT * FROM postings WHERE entry_id = %s", out.transaction_id)
    assert postings == []
    assert (await ledger.balance(member))["balance"] == 0


# --- burning ------------------------------------------------------------------------------


async def test_burn_takes_earliest_expiry_first_and_records_issuer_and_redeemer(
    make_partner, make_member, ledger, t0
):
    long_lived = await make_partner(earn_rate="1", validity_days=365)
    short_lived = await make_partner(earn_rate="1", validity_days=30)
    forever = await make_partner(earn_rate="1", validity_days=None)
    cinema = await make_partner(redemption_value="0.0075")
    member = await member_of(make_member, ledger, long_lived, short_lived, forever, cinema)

    e_long = await ledger.earn(member, long_lived.id, "100.00", now=t0)
    e_short = await ledger.earn(member, short_lived.id, "50.00", now=t0)
    e_forever = await ledger.earn(member, forever.id, "40.00", now=t0)
    lot_long = (await ledger.lot_of(e_long.transaction_id))["id"]
    lot_short = (await ledger.lot_of(e_short.transaction_id))["id"]
    lot_forever = (await ledger.lot_of(e_forever.transaction_id))["id"]

    first = await ledger.burn(member, cinema.id, 120, now=t0 + timedelta(minutes=1))
    second = await ledger.burn(member, cinema.id, 60, now=t0 + timedelta(minutes=2))

    consumed = await ledger.fetch(
        "SELECT entry_id, lot_id, kind, issuer_partner_id, redeemer_partner_id, points"
        " FROM lot_consumptions WHERE member_id = %s ORDER BY id",
        member,
    )
    rows = [
        (
            c["entry_id"],
            c["lot_id"],
            c["kind"],
            c["issuer_partner_id"],
            c["redeemer_partner_id"],
            c["points"],
        )
        for c in consumed
    ]
    assert rows == [
        (first.transaction_id, lot_short, "BURN", short_lived.id, cinema.id, 50),
        (first.transaction_id, lot_long, "BURN", long_lived.id, cinema.id, 70),
        (second.transaction_id, lot_long, "BURN", long_lived.id, cinema.id, 30),
        (second.transaction_id, lot_forever, "BURN", forever.id, cinema.id, 30),
    ]
    remaining = {lot["id"]: lot["remaining"] for lot in await ledger.lots(member)}
    assert remaining == {lot_long: 0, lot_short: 0, lot_forever: 10}

    [entry] = await ledger.fetch(
        "SELECT * FROM journal_entries WHERE id = %s", first.transaction_id
    )
    assert (entry["kind"], entry["points"], entry["partner_id"]) == ("BURN", 120, cinema.id)
    assert entry["redemption_value"] == Decimal("0.0075")
    postings = await ledger.fetch(
        "SELECT a.kind, a.partner_id, p.points FROM postings p JOIN accounts a"
        " ON a.id = p.account_id WHERE p.entry_id = %s ORDER BY p.points",
        first.transaction_id,
    )
    assert [(p["kind"], p["partner_id"], p["points"]) for p in postings] == [
        ("MEMBER", None, -120),
        ("PARTNER_REDEEMED", cinema.id, 120),
    ]
    assert (await ledger.balance(member))["balance"] == 10


async def test_burn_never_spends_expired_points(make_partner, make_member, ledger, t0):
    monthly = await make_partner(earn_rate="1", validity_days=30)
    member = await make_member(monthly)
    old = await ledger.earn(
        member, monthly.id, "50.00", occurred_at=t0 - 31 * DAY, now=t0 - 31 * DAY
    )
    assert (await ledger.lot_of(old.transaction_id))["expires_at"] == t0 - DAY
    assert (await ledger.balance(member))["balance"] == 50  # not yet taken by expiry

    with pytest.raises(InsufficientPoints, match="1 points requested, 0 available"):
        await ledger.burn(member, monthly.id, 1, now=t0)

    fresh = await ledger.earn(member, monthly.id, "20.00", now=t0)
    await ledger.burn(member, monthly.id, 20, now=t0)
    remaining = {lot["entry_id"]: lot["remaining"] for lot in await ledger.lots(member)}
    assert remaining == {old.transaction_id: 50, fresh.transaction_id: 0}
    with pytest.raises(InsufficientPoints):
        await ledger.burn(member, monthly.id, 1, now=t0)


async def test_insufficient_points_counts_holds(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "50.00", now=t0)

    with pytest.raises(InsufficientPoints, match="51 points requested, 50 available") as error:
        await ledger.burn(member, shop.id, 51, now=t0)
    assert error.value.code == "INSUFFICIENT_POINTS"
    assert error.value.field == ["points"]

    await ledger.authorize(member, shop.id, 30, now=t0)
    with pytest.raises(InsufficientPoints, match="21 points requested, 20 available"):
        await ledger.burn(member, shop.id, 21, now=t0)
    with pytest.raises(InsufficientPoints, match="21 points requested, 20 available"):
        await ledger.authorize(member, shop.id, 21, now=t0)
    assert (await ledger.burn(member, shop.id, 20, now=t0)).points == 20
    assert await ledger.balance(member) == {"balance": 30, "held": 30, "debt": 0, "seq": 3}


# --- holds --------------------------------------------------------------------------------


async def test_partial_capture_burns_captured_points_and_releases_the_rest(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)

    hold = await ledger.authorize(
        member, shop.id, 60, now=t0, ttl=timedelta(minutes=10), order_id="basket-9"
    )
    assert hold.hold_id is not None and hold.transaction_id is None and hold.points == 60
    assert await ledger.balance(member) == {"balance": 100, "held": 60, "debt": 0, "seq": 2}
    with pytest.raises(InsufficientPoints, match="41 points requested, 40 available"):
        await ledger.burn(member, shop.id, 41, now=t0)

    captured = await ledger.capture(hold.hold_id, shop.id, 45, now=t0 + timedelta(minutes=3))
    assert captured == Outcome(
        member_id=member, points=45, transaction_id=captured.transaction_id, hold_id=hold.hold_id
    )
    assert await ledger.balance(member) == {"balance": 55, "held": 0, "debt": 0, "seq": 3}
    row = await ledger.hold(hold.hold_id)
    assert row["status"] == "CAPTURED"
    assert row["captured_points"] == 45
    assert row["capture_entry_id"] == captured.transaction_id
    [entry] = await ledger.fetch(
        "SELECT * FROM journal_entries WHERE id = %s", captured.transaction_id
    )
    assert (entry["kind"], entry["points"], entry["hold_id"], entry["order_id"]) == (
        "BURN",
        45,
        hold.hold_id,
        "basket-9",
    )
    # the 15 released points are spendable again
    assert (await ledger.burn(member, shop.id, 55, now=t0)).points == 55
    assert (await ledger.balance(member))["balance"] == 0


async def test_capture_without_points_takes_the_whole_hold(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "80.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 35, now=t0)
    out = await ledger.capture(hold.hold_id, shop.id, None, now=t0)
    assert out.points == 35
    assert await ledger.balance(member) == {"balance": 45, "held": 0, "debt": 0, "seq": 3}


async def test_void_releases_the_hold_without_moving_points(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 70, now=t0)

    out = await ledger.void(hold.hold_id, shop.id, now=t0 + timedelta(minutes=1))
    assert out == Outcome(member_id=member, points=0, hold_id=hold.hold_id)
    assert await ledger.balance(member) == {"balance": 100, "held": 0, "debt": 0, "seq": 3}
    assert (await ledger.hold(hold.hold_id))["status"] == "VOIDED"
    kinds = await ledger.fetch("SELECT kind FROM journal_entries WHERE member_id = %s", member)
    assert [k["kind"] for k in kinds] == ["EARN"]
    assert (await ledger.burn(member, shop.id, 100, now=t0)).points == 100


async def test_hold_already_final(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)
    captured = await ledger.authorize(member, shop.id, 20, now=t0)
    voided = await ledger.authorize(member, shop.id, 20, now=t0)
    await ledger.capture(captured.hold_id, shop.id, 10, now=t0)
    await ledger.void(voided.hold_id, shop.id, now=t0)

    with pytest.raises(HoldAlreadyFinal, match="already CAPTURED") as error:
        await ledger.capture(captured.hold_id, shop.id, 5, now=t0)
    assert error.value.code == "HOLD_ALREADY_FINAL"
    with pytest.raises(HoldAlreadyFinal, match="already CAPTURED"):
        await ledger.void(captured.hold_id, shop.id, now=t0)
    with pytest.raises(HoldAlreadyFinal, match="already VOIDED"):
        await ledger.capture(voided.hold_id, shop.id, None, now=t0)
    with pytest.raises(HoldAlreadyFinal, match="already VOIDED"):
        await ledger.void(voided.hold_id, shop.id, now=t0)
    # long after they would have expired, a final hold still says it is final
    with pytest.raises(HoldAlreadyFinal):
        await ledger.capture(captured.hold_id, shop.id, None, now=t0 + DAY)
    assert await ledger.balance(member) == {"balance": 90, "held": 0, "debt": 0, "seq": 5}


async def test_hold_expired(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 80, now=t0, ttl=timedelta(seconds=30))
    assert (await ledger.hold(hold.hold_id))["expires_at"] == t0 + timedelta(seconds=30)

    with pytest.raises(HoldExpired) as error:
        await ledger.capture(hold.hold_id, shop.id, None, now=t0 + timedelta(seconds=31))
    assert error.value.code == "HOLD_EXPIRED"
    with pytest.raises(HoldExpired):  # the expiry instant itself is too late
        await ledger.capture(hold.hold_id, shop.id, 10, now=t0 + timedelta(seconds=30))
    with pytest.raises(HoldExpired):
        await ledger.void(hold.hold_id, shop.id, now=t0 + timedelta(seconds=31))
    # the refusals wrote nothing: the hold still stands until released
    assert (await ledger.hold(hold.hold_id))["status"] == "AUTHORIZED"

    # a burn that needs the points releases the member's expired holds first
    later = t0 + timedelta(minutes=1)
    assert (await ledger.burn(member, shop.id, 100, now=later)).points == 100
    assert (await ledger.hold(hold.hold_id))["status"] == "EXPIRED"
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 0, "seq": 4}
    with pytest.raises(HoldExpired):
        await ledger.capture(hold.hold_id, shop.id, None, now=t0 + timedelta(seconds=1))
    types = [e["event_type"] for e in await ledger.events(member)]
    assert types == ["points.earned", "burn.authorized", "burn.expired", "burn.captured"]


async def test_sweep_expires_holds_and_returns_their_points(
    make_partner, make_member, ledger, pool, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "50.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 50, now=t0, ttl=timedelta(minutes=5))
    assert await burning.sweep_expired_holds(pool, now=t0 + timedelta(minutes=4)) >= 0
    assert (await ledger.hold(hold.hold_id))["status"] == "AUTHORIZED"
    assert await burning.sweep_expired_holds(pool, now=t0 + timedelta(minutes=5)) >= 1
    row = await ledger.hold(hold.hold_id)
    assert (row["status"], row["finalized_at"]) == ("EXPIRED", t0 + timedelta(minutes=5))
    assert await ledger.balance(member) == {"balance": 50, "held": 0, "debt": 0, "seq": 3}


async def test_holds_of_other_partners_are_not_found(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    other = await make_partner()
    member = await member_of(make_member, ledger, shop, other)
    await ledger.earn(member, shop.id, "10.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 10, now=t0)
    with pytest.raises(HoldNotFound):
        await ledger.capture(hold.hold_id, other.id, None, now=t0)
    with pytest.raises(HoldNotFound):
        await ledger.void(hold.hold_id, other.id, now=t0)
    assert (await ledger.hold(hold.hold_id))["status"] == "AUTHORIZED"


# --- refunds ------------------------------------------------------------------------------


async def test_refund_puts_points_back_into_the_same_lots(make_partner, make_member, ledger, t0):
    short_lived = await make_partner(validity_days=30)
    long_lived = await make_partner(validity_days=365)
    cinema = await make_partner()
    member = await member_of(make_member, ledger, short_lived, long_lived, cinema)
    e_short = await ledger.earn(member, short_lived.id, "30.00", now=t0)
    e_long = await ledger.earn(member, long_lived.id, "50.00", now=t0)
    lots_before = {lot["id"]: lot for lot in await ledger.lots(member)}
    lot_short = (await ledger.lot_of(e_short.transaction_id))["id"]
    lot_long = (await ledger.lot_of(e_long.transaction_id))["id"]

    burnt = await ledger.burn(member, cinema.id, 60, now=t0)  # short 30, long 30
    first = await ledger.refund(burnt.transaction_id, 20, partner_id=cinema.id, now=t0)
    assert first == Outcome(member_id=member, points=20, transaction_id=first.transaction_id)
    remaining = {lot["id"]: lot["remaining"] for lot in await ledger.lots(member)}
    assert remaining == {lot_short: 0, lot_long: 40}  # latest consumption given back first

    rest = await ledger.refund(burnt.transaction_id, 40, partner_id=cinema.id, now=t0)
    assert rest.points == 40
    lots_after = {lot["id"]: lot for lot in await ledger.lots(member)}
    assert set(lots_after) == set(lots_before)  # no new lot
    for lot_id, lot in lots_after.items():
        before = lots_before[lot_id]
        assert lot["remaining"] == before["remaining"]
        assert lot["expires_at"] == before["expires_at"]
        assert lot["issuer_partner_id"] == before["issuer_partner_id"]

    refunds = await ledger.fetch(
        "SELECT r.entry_id, r.lot_id, r.points, r.issuer_partner_id, r.redeemer_partner_id,"
        " c.entry_id AS burn_entry FROM lot_consumptions r JOIN lot_consumptions c"
        " ON c.id = r.refunds_consumption_id WHERE r.member_id = %s AND r.kind = 'REFUND'"
        " ORDER BY r.id",
        member,
    )
    assert [
        (
            r["entry_id"],
            r["lot_id"],
            r["points"],
            r["issuer_partner_id"],
            r["redeemer_partner_id"],
            r["burn_entry"],
        )
        for r in refunds
    ] == [
        (first.transaction_id, lot_long, -20, long_lived.id, cinema.id, burnt.transaction_id),
        (rest.transaction_id, lot_long, -10, long_lived.id, cinema.id, burnt.transaction_id),
        (rest.transaction_id, lot_short, -30, short_lived.id, cinema.id, burnt.transaction_id),
    ]
    [entry] = await ledger.fetch("SELECT * FROM journal_entries WHERE id = %s", rest.transaction_id)
    assert (entry["kind"], entry["points"], entry["original_entry_id"], entry["partner_id"]) == (
        "BURN_REFUND",
        40,
        burnt.transaction_id,
        cinema.id,
    )
    assert (await ledger.balance(member))["balance"] == 80

    with pytest.raises(AmountExceedsOriginal, match="at most 0 points"):
        await ledger.refund(burnt.transaction_id, 1, partner_id=cinema.id, now=t0)


async def test_refund_keeps_the_original_expiry(make_partner, make_member, ledger, t0):
    monthly = await make_partner(validity_days=30)
    member = await make_member(monthly)
    start = t0 - 29 * DAY
    earned = await ledger.earn(member, monthly.id, "30.00", now=start)  # expires t0 + 1 day
    burnt = await ledger.burn(member, monthly.id, 30, now=t0)
    await ledger.refund(burnt.transaction_id, 30, partner_id=monthly.id, now=t0 + 2 * DAY)
    lot = await ledger.lot_of(earned.transaction_id)
    assert (lot["remaining"], lot["expires_at"]) == (30, start + 30 * DAY)
    with pytest.raises(InsufficientPoints):  # back, but expired as it always would have
        await ledger.burn(member, monthly.id, 1, now=t0 + 2 * DAY)


async def test_refund_without_points_refunds_the_rest(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "100.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 60, now=t0)
    await ledger.refund(burnt.transaction_id, 25, partner_id=shop.id, now=t0)
    rest = await ledger.refund(burnt.transaction_id, None, partner_id=shop.id, now=t0)
    assert rest.points == 35
    assert type(rest.points) is int  # points are whole numbers, never NUMERIC/Decimal
    [event] = [e for e in await ledger.events(member) if e["entry_id"] == rest.transaction_id]
    assert event["payload"]["data"]["points"] == 35
    assert (await ledger.balance(member))["balance"] == 100
    with pytest.raises(AmountExceedsOriginal, match="at most 0 points"):
        await ledger.refund(burnt.transaction_id, None, partner_id=shop.id, now=t0)


async def test_refund_more_than_burned_is_refused(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    other = await make_partner()
    member = await member_of(make_member, ledger, shop, other)
    await ledger.earn(member, shop.id, "100.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 25, now=t0)
    with pytest.raises(AmountExceedsOriginal, match="at most 25 points") as error:
        await ledger.refund(burnt.transaction_id, 26, partner_id=shop.id, now=t0)
    assert error.value.code == "AMOUNT_EXCEEDS_ORIGINAL"
    await ledger.refund(burnt.transaction_id, 20, partner_id=shop.id, now=t0)
    with pytest.raises(AmountExceedsOriginal, match="at most 5 points"):
        await ledger.refund(burnt.transaction_id, 6, partner_id=shop.id, now=t0)
    with pytest.raises(TransactionNotFound):  # another partner's burn
        await ledger.refund(burnt.transaction_id, 1, partner_id=other.id, now=t0)
    assert (await ledger.balance(member))["balance"] == 95


# --- reversals ----------------------------------------------------------------------------


async def test_partial_returns_reverse_at_the_original_rates(
    make_partner, make_member, ledger, pool, t0
):
    shop = await make_partner(earn_rate="1", issue_price="0.010")
    member = await make_member(shop)
    earned = await ledger.earn(
        member, shop.id, "10.99", occurred_at=t0 - timedelta(hours=2), now=t0 - timedelta(hours=2)
    )
    assert earned.points == 10
    # the partner's price changes after the purchase; the return keeps the original's
    async with transaction(pool) as conn:
        await registry.set_price(
            conn,
            partner_id=shop.id,
            effective_from=t0 - timedelta(hours=1),
            issue_price=Decimal("0.020"),
            redemption_value=Decimal("0.01"),
            currency="EUR",
        )

    first = await ledger.reverse(earned.transaction_id, "5.50", partner_id=shop.id, now=t0)
    second = await ledger.reverse(earned.transaction_id, "5.49", partner_id=shop.id, now=t0)
    assert (first.points, second.points) == (5, 5)
    assert (first.debt, second.debt) == (0, 0)
    with pytest.raises(AmountExceedsOriginal, match=r"at most 0\.00\d* EUR"):
        await ledger.reverse(earned.transaction_id, "0.01", partner_id=shop.id, now=t0)

    reversals = await ledger.fetch(
        "SELECT * FROM journal_entries WHERE original_entry_id = %s ORDER BY id",
        earned.transaction_id,
    )
    assert [
        (r["kind"], r["points"], r["amount"], r["issue_price"], r["earn_rate"]) for r in reversals
    ] == [
        ("EARN_REVERSAL", 5, Decimal("5.50"), Decimal("0.010"), Decimal("1")),
        ("EARN_REVERSAL", 5, Decimal("5.49"), Decimal("0.010"), Decimal("1")),
    ]
    assert (await ledger.lot_of(earned.transaction_id))["remaining"] == 0
    assert await ledger.balance(member) == {"balance": 0, "held": 0, "debt": 0, "seq": 3}


async def test_small_returns_count_on_the_cumulative_amount(make_partner, make_member, ledger, t0):
    shop = await make_partner(earn_rate="1")
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "10.00", now=t0)
    first = await ledger.reverse(earned.transaction_id, "0.50", partner_id=shop.id, now=t0)
    second = await ledger.reverse(earned.transaction_id, "0.50", partner_id=shop.id, now=t0)
    assert (first.points, second.points) == (0, 1)
    assert (await ledger.balance(member))["balance"] == 9
    rest = await ledger.reverse(earned.transaction_id, None, partner_id=shop.id, now=t0)
    assert rest.points == 9
    with pytest.raises(AmountExceedsOriginal):
        await ledger.reverse(earned.transaction_id, None, partner_id=shop.id, now=t0)
    assert (await ledger.balance(member))["balance"] == 0


async def test_money_is_shown_in_the_currency_minor_unit(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "10.00", now=t0)
    with pytest.raises(AmountExceedsOriginal, match=r"at most 10\.00 EUR of"):
        await ledger.reverse(earned.transaction_id, "10.01", partner_id=shop.id, now=t0)
    out = await ledger.reverse(earned.transaction_id, None, partner_id=shop.id, now=t0)
    [entry] = await ledger.fetch(
        "SELECT reason FROM journal_entries WHERE id = %s", out.transaction_id
    )
    assert entry["reason"] == "Return of 10.00 EUR from a purchase"
    [event] = [e for e in await ledger.events(member) if e["event_type"] == "points.earn_reversed"]
    assert event["payload"]["data"]["amount"] == {"amount": "10.00", "currency": "EUR"}


async def test_reverse_amount_exceeds_original(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "10.00", now=t0)
    with pytest.raises(AmountExceedsOriginal, match=r"at most 10\.00\d* EUR") as error:
        await ledger.reverse(earned.transaction_id, "10.01", partner_id=shop.id, now=t0)
    assert error.value.field == ["amount"]
    with pytest.raises(AmountExceedsOriginal):
        await ledger.reverse(earned.transaction_id, "0", partner_id=shop.id, now=t0)
    with pytest.raises(AmountExceedsOriginal):
        await ledger.reverse(earned.transaction_id, "-1.00", partner_id=shop.id, now=t0)
    await ledger.reverse(earned.transaction_id, "4.00", partner_id=shop.id, now=t0)
    with pytest.raises(AmountExceedsOriginal, match=r"at most 6\.00\d* EUR"):
        await ledger.reverse(earned.transaction_id, "6.01", partner_id=shop.id, now=t0)
    assert (await ledger.balance(member))["balance"] == 6


async def test_whole_reverse_of_spent_points_leaves_a_debt_that_next_earns_pay(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner(validity_days=365)
    forever = await make_partner(validity_days=None)
    member = await member_of(make_member, ledger, shop, forever)
    e1 = await ledger.earn(member, shop.id, "100.00", now=t0)
    e2 = await ledger.earn(member, forever.id, "50.00", now=t0)
    await ledger.burn(member, shop.id, 80, now=t0)  # e1's lot: 20 left; e2's: 50

    reversed_ = await ledger.reverse(e1.transaction_id, None, partner_id=shop.id, now=t0)
    assert reversed_ == Outcome(
        member_id=member, points=100, transaction_id=reversed_.transaction_id, debt=30
    )
    takes = await ledger.fetch(
        "SELECT l.entry_id, c.points FROM lot_consumptions c JOIN lots l ON l.id = c.lot_id"
        " WHERE c.entry_id = %s AND c.kind = 'REVERSAL' ORDER BY c.id",
        reversed_.transaction_id,
    )
    assert [(t["entry_id"], t["points"]) for t in takes] == [
        (e1.transaction_id, 20),  # its own lot first
        (e2.transaction_id, 50),  # then the member's other lots
    ]
    assert await ledger.balance(member) == {"balance": -30, "held": 0, "debt": 30, "seq": 4}
    with pytest.raises(InsufficientPoints, match="0 available"):
        await ledger.burn(member, shop.id, 1, now=t0)
    [event] = [e for e in await ledger.events(member) if e["event_type"] == "points.earn_reversed"]
    assert event["payload"]["data"]["debt"] == 30
    assert event["payload"]["data"]["balance"] == -30

    pay1 = await ledger.earn(member, shop.id, "20.00", now=t0)
    assert (await ledger.lot_of(pay1.transaction_id))["remaining"] == 0
    assert await ledger.balance(member) == {"balance": -10, "held": 0, "debt": 10, "seq": 5}
    pay2 = await ledger.earn(member, forever.id, "25.00", now=t0)
    assert (await ledger.lot_of(pay2.transaction_id))["remaining"] == 15
    assert await ledger.balance(member) == {"balance": 15, "held": 0, "debt": 0, "seq": 6}
    repaid = await ledger.fetch(
        "SELECT entry_id, points FROM lot_consumptions WHERE member_id = %s AND kind = 'DEBT'"
        " ORDER BY id",
        member,
    )
    assert [(r["entry_id"], r["points"]) for r in repaid] == [
        (pay1.transaction_id, 20),
        (pay2.transaction_id, 10),
    ]
    assert (await ledger.burn(member, shop.id, 15, now=t0)).points == 15


async def test_reverse_never_takes_points_a_hold_reserves(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "100.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 70, now=t0)

    out = await ledger.reverse(earned.transaction_id, None, partner_id=shop.id, now=t0)
    assert (out.points, out.debt) == (100, 70)
    assert await ledger.balance(member) == {"balance": 0, "held": 70, "debt": 70, "seq": 3}
    assert (await ledger.lot_of(earned.transaction_id))["remaining"] == 70
    # the hold is a promise: its capture still succeeds
    captured = await ledger.capture(hold.hold_id, shop.id, None, now=t0)
    assert captured.points == 70
    assert await ledger.balance(member) == {"balance": -70, "held": 0, "debt": 70, "seq": 4}


async def test_reverse_of_unknown_or_foreign_earn_is_not_found(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    other = await make_partner()
    member = await member_of(make_member, ledger, shop, other)
    earned = await ledger.earn(member, shop.id, "10.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 5, now=t0)
    with pytest.raises(TransactionNotFound):
        await ledger.reverse(earned.transaction_id, None, partner_id=other.id, now=t0)
    with pytest.raises(TransactionNotFound):  # a burn is not an earn
        await ledger.reverse(burnt.transaction_id, None, partner_id=shop.id, now=t0)
    with pytest.raises(TransactionNotFound):
        await ledger.refund(earned.transaction_id, None, partner_id=shop.id, now=t0)


# --- members ------------------------------------------------------------------------------


async def test_closed_member_moves_no_points(make_partner, make_member, ledger, pool, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "50.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 10, now=t0)
    hold = await ledger.authorize(member, shop.id, 10, now=t0)
    async with transaction(pool) as conn:
        await conn.execute("UPDATE members SET status = 'CLOSED' WHERE id = %s", (member,))
    before = await ledger.row_counts(member)

    attempts = [
        ledger.earn(member, shop.id, "5.00", now=t0),
        ledger.burn(member, shop.id, 1, now=t0),
        ledger.authorize(member, shop.id, 1, now=t0),
        ledger.capture(hold.hold_id, shop.id, None, now=t0),
        ledger.void(hold.hold_id, shop.id, now=t0),
        ledger.reverse(earned.transaction_id, None, partner_id=shop.id, now=t0),
        ledger.refund(burnt.transaction_id, None, partner_id=shop.id, now=t0),
    ]
    for attempt in attempts:
        with pytest.raises(MemberClosed) as error:
            await attempt
        assert error.value.code == "MEMBER_CLOSED"
    assert await ledger.row_counts(member) == before
    assert await ledger.balance(member) == {"balance": 40, "held": 10, "debt": 0, "seq": 3}


async def test_partner_never_shown_the_member_cannot_move_its_points(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    stranger = await make_partner()
    member = await make_member(shop)
    await ledger.earn(member, shop.id, "50.00", now=t0)
    with pytest.raises(MemberNotFound):
        await ledger.burn(member, stranger.id, 1, now=t0)
    with pytest.raises(MemberNotFound):
        await ledger.earn(member, stranger.id, "1.00", now=t0)
    with pytest.raises(MemberNotFound):
        await ledger.authorize(member, stranger.id, 1, now=t0)


# --- idempotency --------------------------------------------------------------------------


async def test_idempotent_replay_returns_the_same_outcome_and_writes_once(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    key = new_key("replay")
    first = await ledger.earn(member, shop.id, "42.00", now=t0, key=key)
    counts = await ledger.row_counts(member)
    again = await ledger.earn(member, shop.id, "42.00", now=t0, key=key)
    assert again == first
    assert await ledger.row_counts(member) == counts

    burn_key = new_key("replay-burn")
    burnt = await ledger.burn(member, shop.id, 30, now=t0, key=burn_key)
    await ledger.burn(member, shop.id, 12, now=t0)  # nothing left now
    # the replay returns the stored outcome, it does not run (and fail) again
    assert await ledger.burn(member, shop.id, 30, now=t0, key=burn_key) == burnt

    hold_key = new_key("replay-hold")
    await ledger.earn(member, shop.id, "20.00", now=t0)
    hold = await ledger.authorize(member, shop.id, 20, now=t0, key=hold_key)
    assert await ledger.authorize(member, shop.id, 20, now=t0, key=hold_key) == hold
    cap_key = new_key("replay-cap")
    captured = await ledger.capture(hold.hold_id, shop.id, 15, now=t0, key=cap_key)
    assert await ledger.capture(hold.hold_id, shop.id, 15, now=t0, key=cap_key) == captured
    assert await ledger.balance(member) == {"balance": 5, "held": 0, "debt": 0, "seq": 6}
    entries = await ledger.fetch(
        "SELECT kind, points FROM journal_entries WHERE member_id = %s ORDER BY id", member
    )
    assert [(e["kind"], e["points"]) for e in entries] == [
        ("EARN", 42),
        ("BURN", 30),
        ("BURN", 12),
        ("EARN", 20),
        ("BURN", 15),
    ]


async def test_idempotency_key_reused_with_other_input_conflicts(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    key = new_key("conflict")
    await ledger.earn(member, shop.id, "42.00", now=t0, key=key)
    counts = await ledger.row_counts(member)
    with pytest.raises(IdempotencyConflict) as error:
        await ledger.earn(member, shop.id, "43.00", now=t0, key=key)
    assert error.value.code == "IDEMPOTENCY_CONFLICT"
    with pytest.raises(IdempotencyConflict):  # same key, another operation
        await ledger.burn(member, shop.id, 1, now=t0, key=key)
    assert await ledger.row_counts(member) == counts
    # keys are per caller: another caller may use the same key
    other = await ledger.earn(member, shop.id, "43.00", now=t0, key=key, caller="someone-else")
    assert other.points == 43


async def test_refused_request_can_be_retried_with_the_same_key(
    make_partner, make_member, ledger, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    key = new_key("retry")
    with pytest.raises(InsufficientPoints):
        await ledger.burn(member, shop.id, 10, now=t0, key=key)
    await ledger.earn(member, shop.id, "10.00", now=t0)
    assert (await ledger.burn(member, shop.id, 10, now=t0, key=key)).points == 10


# --- nothing written on refusal, one event per business event ------------------------------


async def test_business_refusals_write_nothing(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "100.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 40, now=t0)
    expired = await ledger.authorize(member, shop.id, 50, now=t0, ttl=timedelta(seconds=10))
    final = await ledger.authorize(member, shop.id, 5, now=t0)
    await ledger.void(final.hold_id, shop.id, now=t0)
    before = await ledger.row_counts(member)
    balance = await ledger.balance(member)
    late = t0 + timedelta(minutes=1)

    refusals = [
        # needs 61 of 60: releases the expired hold of 50 first, then still refuses
        (InsufficientPoints, ledger.burn(member, shop.id, 61, now=late)),
        (InsufficientPoints, ledger.authorize(member, shop.id, 61, now=late)),
        (HoldExpired, ledger.capture(expired.hold_id, shop.id, None, now=late)),
        (HoldExpired, ledger.void(expired.hold_id, shop.id, now=late)),
        (HoldAlreadyFinal, ledger.capture(final.hold_id, shop.id, None, now=t0)),
        (AmountExceedsOriginal, ledger.capture(expired.hold_id, shop.id, 51, now=t0)),
        (
            AmountExceedsOriginal,
            ledger.refund(burnt.transaction_id, 41, partner_id=shop.id, now=t0),
        ),
        (
            AmountExceedsOriginal,
            ledger.reverse(earned.transaction_id, "100.01", partner_id=shop.id, now=t0),
        ),
    ]
    for error, attempt in refusals:
        with pytest.raises(error):
            await attempt
        assert await ledger.row_counts(member) == before, error
        assert await ledger.balance(member) == balance
    assert (await ledger.hold(expired.hold_id))["status"] == "AUTHORIZED"


async def test_one_outbox_event_per_business_event(make_partner, make_member, ledger, t0):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "100.00", now=t0, order_id="o-1")
    hold = await ledger.authorize(member, shop.id, 30, now=t0)
    captured = await ledger.capture(hold.hold_id, shop.id, 20, now=t0)
    voided = await ledger.authorize(member, shop.id, 10, now=t0)
    await ledger.void(voided.hold_id, shop.id, now=t0)
    burnt = await ledger.burn(member, shop.id, 15, now=t0)
    refunded = await ledger.refund(burnt.transaction_id, 5, partner_id=shop.id, now=t0)
    reversed_ = await ledger.reverse(earned.transaction_id, "10.00", partner_id=shop.id, now=t0)

    events = await ledger.events(member)
    assert [(e["event_type"], e["entry_id"], e["payload"]["data"]["points"]) for e in events] == [
        ("points.earned", earned.transaction_id, 100),
        ("burn.authorized", None, 30),
        ("burn.captured", captured.transaction_id, 20),
        ("burn.authorized", None, 10),
        ("burn.voided", None, 10),
        ("burn.captured", burnt.transaction_id, 15),
        ("burn.refunded", refunded.transaction_id, 5),
        ("points.earn_reversed", reversed_.transaction_id, 10),
    ]
    # one event per balance change, numbered in the member's order
    assert [e["member_seq"] for e in events] == list(range(1, 9))
    assert [e["payload"]["data"]["memberSequence"] for e in events] == list(range(1, 9))
    assert (await ledger.balance(member))["seq"] == 8
    assert len({e["event_id"] for e in events}) == 8
    assert all(e["partner_id"] == shop.id for e in events)
    assert events[0]["payload"]["data"]["balance"] == 100
    assert events[-1]["payload"]["data"]["balance"] == 60


async def test_event_is_written_in_the_transaction_of_the_change(
    make_partner, make_member, ledger, pool, t0
):
    shop = await make_partner()
    member = await make_member(shop)

    class Abort(Exception):
        pass

    async def earn_in(conn):  # type: ignore[no-untyped-def]
        terms = await registry.issuer_terms(conn, shop.id, t0)
        return await earning.earn(
            conn,
            Request("p", new_key(), "earnPoints", {}),
            member_id=member,
            partner_id=shop.id,
            earn_rate=terms.earn_rate,
            points=10,
            amount=Money(Decimal("10.00"), "EUR"),
            order_id=None,
            occurred_at=t0,
            now=t0,
        )

    async def earn_then_fail() -> None:
        async with transaction(pool) as conn:
            await earn_in(conn)
            # visible inside, invisible outside until commit
            cur = await conn.execute(
                "SELECT count(*) AS n FROM outbox_events WHERE member_id = %s", (member,)
            )
            assert (await cur.fetchone())["n"] == 1
            assert (await ledger.row_counts(member))["outbox_events"] == 0
            raise Abort

    with pytest.raises(Abort):
        await earn_then_fail()
    assert await ledger.row_counts(member) == {
        "journal_entries": 0,
        "postings": 0,
        "outbox_events": 0,
        "lot_consumptions": 0,
        "lots": 0,
        "holds": 0,
        "balance_seq": 0,
    }
    async with transaction(pool) as conn:
        await earn_in(conn)
    counts = await ledger.row_counts(member)
    assert (counts["journal_entries"], counts["postings"], counts["outbox_events"]) == (1, 2, 1)


# --- database guards ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE journal_entries SET points = points + 1 WHERE id = %(entry)s",
        "DELETE FROM journal_entries WHERE id = %(entry)s",
        "UPDATE postings SET points = points * 2 WHERE entry_id = %(entry)s",
        "DELETE FROM postings WHERE entry_id = %(entry)s",
        "UPDATE lot_consumptions SET points = 1 WHERE entry_id = %(burn)s",
        "DELETE FROM lot_consumptions WHERE entry_id = %(burn)s",
        "UPDATE outbox_events SET event_type = 'x' WHERE entry_id = %(entry)s",
        "DELETE FROM outbox_events WHERE entry_id = %(entry)s",
        "TRUNCATE journal_entries CASCADE",
        "TRUNCATE postings",
        "TRUNCATE lot_consumptions CASCADE",
    ],
)
async def test_posted_rows_are_never_updated_or_deleted(
    statement, make_partner, make_member, ledger, pool, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    earned = await ledger.earn(member, shop.id, "10.00", now=t0)
    burnt = await ledger.burn(member, shop.id, 4, now=t0)
    before = await ledger.row_counts(member)
    with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
        # rolled back whatever happens, so a broken guard cannot wipe the test database
        async with pool.connection() as conn, conn.transaction(force_rollback=True):
            await conn.execute(
                statement,  # type: ignore[arg-type]
                {"entry": earned.transaction_id, "burn": burnt.transaction_id},
            )
    assert await ledger.row_counts(member) == before


async def test_unbalanced_entry_is_refused_by_its_statement(
    make_partner, make_member, ledger, pool, t0
):
    shop = await make_partner()
    member = await make_member(shop)
    [account] = await ledger.fetch(
        "SELECT account_id FROM member_balances WHERE member_id = %s", member
    )
    [issued] = await ledger.fetch(
        "SELECT id FROM accounts WHERE partner_id = %s AND kind = 'PARTNER_ISSUED'", shop.id
    )

    async def raw_entry(conn):  # type: ignore[no-untyped-def]
        cur = await conn.execute(
            "INSERT INTO journal_entries (kind, member_id, partner_id, points, reason,"
            " occurred_at, posted_at) VALUES ('ADJUSTMENT', %s, %s, 5, 'raw', %s, %s)"
            " RETURNING id",
            (member, shop.id, t0, t0),
        )
        return (await cur.fetchone())["id"]

    # checked at the end of each INSERT on postings: a balanced pair in one statement passes
    async with pool.connection() as conn, conn.transaction(force_rollback=True):
        entry = await raw_entry(conn)
        await conn.execute(
            "INSERT INTO postings (entry_id, account_id, points) VALUES (%s, %s, 5), (%s, %s, -5)",
            (entry, account["account_id"], entry, issued["id"]),
        )

    statements_done = []

    async def one_sided_entry() -> None:
        async with transaction(pool) as conn:
            entry = await raw_entry(conn)
            await conn.execute(
                "INSERT INTO postings (entry_id, account_id, points) VALUES (%s, %s, 5)",
                (entry, account["account_id"]),
            )
            statements_done.append(entry)

    with pytest.raises(psycopg.errors.CheckViolation, match="does not balance"):
        await one_sided_entry()
    assert statements_done == []  # the one-sided INSERT itself failed
    assert await ledger.row_counts(member) == {
        "journal_entries": 0,
        "postings": 0,
        "outbox_events": 0,
        "lot_consumptions": 0,
        "lots": 0,
        "holds": 0,
        "balance_seq": 0,
    }
