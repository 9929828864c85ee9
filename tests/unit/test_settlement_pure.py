"""Netting and statement rounding, pure: worked examples and properties."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as D

from hypothesis import given
from hypothesis import strategies as st

from settlement.netting import Payment, payments_for
from settlement.statements import Aggregate, statement_of


def test_three_partners_and_the_operator_settle_in_three_payments() -> None:
    # FUEL owes 10.00, GROCER is owed 4.00, AIRLINE is owed 3.50: the operator keeps 2.50
    nets = {1: D("10.00"), 2: D("-4.00"), 3: D("-3.50")}
    assert payments_for(nets) == [
        Payment(1, 2, D("4.00")),
        Payment(1, 3, D("3.50")),
        Payment(1, None, D("2.50")),
    ]


def test_the_operator_pays_when_partners_are_owed_more_than_they_owe() -> None:
    assert payments_for({1: D("1.00"), 2: D("-3.00")}) == [
        Payment(None, 2, D("2.00")),
        Payment(1, 2, D("1.00")),
    ]


def test_nothing_to_pay() -> None:
    assert payments_for({1: D(0)}) == []


@given(st.dictionaries(st.integers(1, 50), st.integers(-(10**6), 10**6).map(lambda c: D(c) / 100)))
def test_payments_move_exactly_the_nets_in_at_most_n_minus_one(nets: dict[int, D]) -> None:
    payments = payments_for(nets)
    moved: dict[int | None, D] = defaultdict(D)
    for payment in payments:
        assert payment.amount > 0 and payment.payer != payment.payee
        moved[payment.payer] += payment.amount
        moved[payment.payee] -= payment.amount
    assert {p: a for p, a in moved.items() if p is not None and a} == {
        p: n for p, n in nets.items() if n
    }
    participants = len([n for n in nets.values() if n]) + (sum(nets.values(), D(0)) != 0)
    assert len(payments) <= max(participants - 1, 0)


def test_lines_round_half_even_and_the_difference_is_kept() -> None:
    statement = statement_of(
        7,
        [
            Aggregate(7, "REDEEMED", False, D("0.0125"), 10, 1),  # -0.125 -> -0.12
            Aggregate(7, "ISSUED", False, D("0.0125"), 30, 2),  # 0.375 -> 0.38
            Aggregate(7, "BREAKAGE_CREDIT", False, D("0.005"), 1, 1),  # -0.005 -> -0.00
        ],
        "EUR",
    )
    assert [(line.kind, line.amount) for line in statement.lines] == [
        ("ISSUED", D("0.38")),
        ("REDEEMED", D("-0.12")),
        ("BREAKAGE_CREDIT", D("0.00")),
    ]
    assert (statement.exact_net, statement.net) == (D("0.245"), D("0.26"))
    assert statement.rounding_difference == D("-0.015")
    assert statement.points == {
        "issued": 30,
        "reversed": 0,
        "redeemed": 10,
        "refunded": 0,
        "expired": 1,
        "bought": 0,
        "memberships": 0,
    }


def test_a_prepaid_partner_pays_for_its_blocks_not_for_its_issuance() -> None:
    statement = statement_of(
        3,
        [
            Aggregate(3, "ISSUED_PREPAID", False, D(0), 1250, 4),
            Aggregate(3, "ISSUE_REVERSED_PREPAID", True, D(0), 100, 1),
            Aggregate(3, "POINT_BLOCK", False, D("0.0095"), 500, 1),  # 4.75
            Aggregate(3, "POINT_BLOCK", False, D("0.009"), 1000, 1),  # 9.00
        ],
        "EUR",
    )
    assert [(line.kind, line.exact_amount, line.amount) for line in statement.lines] == [
        ("POINT_BLOCK", D("9.000"), D("9.00")),
        ("POINT_BLOCK", D("4.7500"), D("4.75")),
        ("ISSUED_PREPAID", D(0), D("0.00")),
        ("ISSUE_REVERSED_PREPAID", D(0), D("0.00")),
    ]
    assert not statement.lines[3].amount.is_signed()  # 0, never "-0.00"
    assert (statement.exact_net, statement.net, statement.rounding_difference) == (
        D("13.75"),
        D("13.75"),
        D(0),
    )
    assert statement.points == {
        "issued": 1250,
        "reversed": 100,
        "redeemed": 0,
        "refunded": 0,
        "expired": 0,
        "bought": 1500,
        "memberships": 0,
    }
