"""A return of basket lines priced at the rates its earn used (``reverseEarn`` with
``lines``): the rules layer computes from the earn's record, the ledger records."""

from __future__ import annotations

from collections.abc import Sequence

from exchange.ledger.earning import EarnRecord, Return, ReturnPricer
from partners import rules
from partners.earn_rules import record, returns


def lines_pricer(lines: Sequence[rules.Line]) -> ReturnPricer:
    """What returning ``lines`` takes back of an earn (``earn_rules.returns``)."""

    def price(earned: EarnRecord) -> Return:
        calculation = record.calculation(
            earned.details, amount=earned.amount, currency=earned.currency
        )
        before = returns.returned_before(earned.returns)
        taken = returns.points_back(calculation, before, lines)
        return Return(amount=taken.amount, points=taken.points, details=taken.details())

    return price
