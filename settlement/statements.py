"""From exact aggregates to statements: each line rounded half-even to the currency's minor
unit, the net the sum of the rounded lines, and the difference to the exact net kept on the
statement (the operator's margin absorbs it; nothing is lost). Pure: plain values in and out.

Signs: a positive amount is owed by the partner to the operator, a negative one is owed to
the partner. Rule 8: net = issued x issue price - redeemed x redemption value, reversals and
refunds netted at the prices of the entries they reverse, breakage credited to the issuer.
A PREPAID partner pays for its issuance with the point blocks it buys: its blocks are billed
(POINT_BLOCK, points x block price), and what it issued from them is shown at a unit price
of 0 (ISSUED_PREPAID, and ISSUE_REVERSED_PREPAID for reversals: the points go back to its
blocks, not money to the partner). A paid membership a partner sold is billed to it at its
price (MEMBERSHIP_SOLD: the line's points count the memberships, its unit price is one's price).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

from exchange.kit.money import MINOR_UNITS

KIND_ORDER = (
    "POINT_BLOCK",
    "MEMBERSHIP_SOLD",
    "ISSUED",
    "ISSUED_PREPAID",
    "ISSUE_REVERSED",
    "ISSUE_REVERSED_PREPAID",
    "REDEEMED",
    "REDEMPTION_REFUNDED",
    "BREAKAGE_CREDIT",
)
SIGN = {
    "POINT_BLOCK": 1,
    "MEMBERSHIP_SOLD": 1,
    "ISSUED": 1,
    "ISSUED_PREPAID": 1,
    "ISSUE_REVERSED": -1,
    "ISSUE_REVERSED_PREPAID": -1,
    "REDEEMED": -1,
    "REDEMPTION_REFUNDED": 1,
    "BREAKAGE_CREDIT": -1,
}
POINTS_FIELD = {
    "POINT_BLOCK": "bought",
    "MEMBERSHIP_SOLD": "memberships",
    "ISSUED": "issued",
    "ISSUED_PREPAID": "issued",
    "ISSUE_REVERSED": "reversed",
    "ISSUE_REVERSED_PREPAID": "reversed",
    "REDEEMED": "redeemed",
    "REDEMPTION_REFUNDED": "refunded",
    "BREAKAGE_CREDIT": "expired",
}


@dataclass(frozen=True)
class Aggregate:
    """Entries of one partner, kind, price and adjustment flag, summed exactly."""

    partner_id: int
    kind: str
    adjustment: bool
    """A reversal or refund of an entry settled in an earlier batch."""
    unit_price: Decimal
    points: int
    entries: int


@dataclass(frozen=True)
class Line:
    line_no: int
    kind: str
    adjustment: bool
    unit_price: Decimal
    points: int
    exact_amount: Decimal
    amount: Decimal
    entries: int


@dataclass(frozen=True)
class Statement:
    partner_id: int
    lines: tuple[Line, ...]
    points: dict[str, int]
    """issued, reversed, redeemed, refunded, expired, bought; memberships (how many sold)."""
    exact_net: Decimal
    net: Decimal
    rounding_difference: Decimal


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def round_money(value: Decimal, currency: str) -> Decimal:
    return value.quantize(quantum(currency), rounding=ROUND_HALF_EVEN)


def _sort_key(aggregate: Aggregate) -> tuple[int, bool, Decimal]:
    return KIND_ORDER.index(aggregate.kind), aggregate.adjustment, aggregate.unit_price


def statement_of(partner_id: int, aggregates: list[Aggregate], currency: str) -> Statement:
    lines = []
    points = dict.fromkeys(POINTS_FIELD.values(), 0)
    for number, aggregate in enumerate(sorted(aggregates, key=_sort_key), start=1):
        exact = SIGN[aggregate.kind] * aggregate.points * aggregate.unit_price
        exact = exact if exact else Decimal(0)  # -1 x 0 is Decimal("-0"): shown as 0
        lines.append(
            Line(
                line_no=number,
                kind=aggregate.kind,
                adjustment=aggregate.adjustment,
                unit_price=aggregate.unit_price,
                points=aggregate.points,
                exact_amount=exact,
                amount=round_money(exact, currency),
                entries=aggregate.entries,
            )
        )
        points[POINTS_FIELD[aggregate.kind]] += aggregate.points
    exact_net = sum((line.exact_amount for line in lines), Decimal(0))
    net = sum((line.amount for line in lines), Decimal(0))
    return Statement(partner_id, tuple(lines), points, exact_net, net, exact_net - net)


def statements_of(
    aggregates: list[Aggregate], currency: str, *, also: set[int] | None = None
) -> list[Statement]:
    """One statement per partner with any aggregate, and per partner of ``also`` (whose
    points were redeemed elsewhere, say: its statement shows its row of the matrix), in
    partner id order."""
    by_partner: dict[int, list[Aggregate]] = defaultdict(list)
    for aggregate in aggregates:
        by_partner[aggregate.partner_id].append(aggregate)
    partners = sorted(set(by_partner) | (also or set()))
    return [statement_of(partner, by_partner[partner], currency) for partner in partners]
