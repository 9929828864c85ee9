"""Worked examples for the pure reversal planning and the return arithmetic.

(Burn and capture lot selection runs in SQL: see test_take_lots.py.)

Each example spells out the member's lots and the exact points every movement takes from
each of them, so a change in the order (earliest expiry first, own lot first, held points
untouched) fails here with readable numbers.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from exchange.ledger.earning import points_for_return
from exchange.ledger.lots import OpenLot, plan_reversal, totals

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def lot(
    lot_id: int,
    remaining: int,
    *,
    expires_in: timedelta | None = None,
    available_in: timedelta = -DAY,
    issuer: int | None = 1,
    entry_id: int | None = None,
) -> OpenLot:
    return OpenLot(
        id=lot_id,
        issuer_partner_id=issuer,
        remaining=remaining,
        available_at=NOW + available_in,
        expires_at=None if expires_in is None else NOW + expires_in,
        entry_id=entry_id if entry_id is not None else 1000 + lot_id,
    )


def taken(takes) -> list[tuple[int, int]]:  # type: ignore[no-untyped-def]
    """(lot id, points) per take, in order."""
    return [(take.lot.id, take.points) for take in takes]


# --- totals -------------------------------------------------------------------------------


def test_totals_split_spendable_capturable_pending() -> None:
    lots = [
        lot(1, 40, expires_in=10 * DAY),  # spendable
        lot(2, 25, expires_in=-DAY),  # expired: capturable only
        lot(3, 7),  # never expires: spendable
        lot(4, 13, available_in=DAY),  # pending (return window)
    ]
    assert totals(lots, NOW) == totals(reversed(lots), NOW)
    result = totals(lots, NOW)
    assert (result.spendable, result.capturable, result.pending) == (47, 72, 13)


def test_lot_expiring_exactly_now_is_no_longer_spendable() -> None:
    edge = lot(1, 10, expires_in=timedelta(0))
    assert edge.is_capturable(NOW)
    assert not edge.is_spendable(NOW)
    assert lot(2, 10, available_in=timedelta(0)).is_capturable(NOW)


# --- plan_reversal ------------------------------------------------------------------------


def test_reversal_takes_own_lot_first_even_if_others_expire_sooner() -> None:
    own = lot(1, 60, expires_in=300 * DAY, entry_id=77)
    other = lot(2, 40, expires_in=3 * DAY)
    takes, debt = plan_reversal([other, own], 50, own_entry_id=77, held=0, now=NOW)
    assert taken(takes) == [(1, 50)]
    assert debt == 0


def test_reversal_then_pending_lots_then_others_earliest_expiry_first() -> None:
    own = lot(1, 10, entry_id=77)  # partly spent already
    pending = lot(2, 15, available_in=2 * DAY, expires_in=400 * DAY)
    soon = lot(3, 20, expires_in=5 * DAY)
    later = lot(4, 20, expires_in=50 * DAY)
    takes, debt = plan_reversal([later, soon, pending, own], 55, own_entry_id=77, held=0, now=NOW)
    assert taken(takes) == [(1, 10), (2, 15), (3, 20), (4, 10)]
    assert debt == 0


def test_reversal_never_takes_held_points_the_rest_is_debt() -> None:
    # capturable 100 (own 60 + other 40), a hold reserves 70: only 30 may be taken
    own = lot(1, 60, entry_id=77)
    other = lot(2, 40, expires_in=DAY)
    takes, debt = plan_reversal([own, other], 100, own_entry_id=77, held=70, now=NOW)
    assert taken(takes) == [(1, 30)]
    assert debt == 70
    assert sum(t.points for t in takes) + debt == 100


def test_reversal_takes_pending_points_even_when_holds_use_all_capturable() -> None:
    # pending points cannot cover a hold, so they are free to take back
    own = lot(1, 50, entry_id=77)
    pending = lot(2, 20, available_in=DAY)
    takes, debt = plan_reversal([own, pending], 50, own_entry_id=77, held=50, now=NOW)
    assert taken(takes) == [(2, 20)]
    assert debt == 30


def test_reversal_of_pending_own_lot_is_not_limited_by_holds() -> None:
    own = lot(1, 40, available_in=DAY, entry_id=77)  # still in its return window
    other = lot(2, 30)
    takes, debt = plan_reversal([other, own], 40, own_entry_id=77, held=30, now=NOW)
    assert taken(takes) == [(1, 40)]
    assert debt == 0


def test_reversal_with_everything_spent_is_all_debt() -> None:
    takes, debt = plan_reversal([], 25, own_entry_id=77, held=0, now=NOW)
    assert takes == []
    assert debt == 25


def test_reversal_may_take_expired_lots_not_needed_by_holds() -> None:
    expired = lot(2, 30, expires_in=-DAY)
    valid = lot(3, 30, expires_in=DAY)
    takes, debt = plan_reversal([valid, expired], 40, own_entry_id=77, held=10, now=NOW)
    assert taken(takes) == [(2, 30), (3, 10)]
    assert debt == 0


# --- points_for_return --------------------------------------------------------------------


def test_two_partial_returns_take_back_exactly_what_was_earned() -> None:
    # 10 points on 10.99 EUR, returned as 5.50 then 5.49
    first = points_for_return(10, Decimal("10.99"), Decimal("0"), Decimal("5.50"))
    second = points_for_return(10, Decimal("10.99"), Decimal("5.50"), Decimal("5.49"))
    assert (first, second) == (5, 5)


def test_small_returns_round_on_the_cumulative_amount() -> None:
    # 10 points on 10.00: 0.50 is half a point (0), the second 0.50 completes it (1)
    first = points_for_return(10, Decimal("10.00"), Decimal("0"), Decimal("0.50"))
    second = points_for_return(10, Decimal("10.00"), Decimal("0.50"), Decimal("0.50"))
    assert (first, second) == (0, 1)


def test_whole_return_takes_all_points() -> None:
    assert points_for_return(16, Decimal("10.99"), Decimal("0"), Decimal("10.99")) == 16
    assert points_for_return(0, Decimal("0.50"), Decimal("0"), Decimal("0.50")) == 0


@pytest.mark.parametrize(
    ("points", "amount", "returns", "expected"),
    [
        (10, "10.99", ["5.50", "5.49"], [5, 5]),
        (10, "10.00", ["0.50", "0.50"], [0, 1]),
        (10, "10.00", ["0.50", "0.50", "9.00"], [0, 1, 9]),
        (100, "3.00", ["1.00", "1.00", "1.00"], [33, 33, 34]),
        (7, "9.99", ["0.01"] * 3 + ["9.96"], [0, 0, 0, 7]),
        (250, "99.99", ["33.33", "33.33", "33.33"], [83, 83, 84]),
    ],
)
def test_returns_in_pieces_never_take_more_than_earned(
    points: int, amount: str, returns: list[str], expected: list[int]
) -> None:
    got = []
    before = Decimal("0")
    for piece in returns:
        got.append(points_for_return(points, Decimal(amount), before, Decimal(piece)))
        before += Decimal(piece)
    assert got == expected
    assert sum(got) <= points
    if before == Decimal(amount):
        assert sum(got) == points
