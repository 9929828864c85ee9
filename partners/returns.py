"""A return of basket lines priced at the rates its earn used (``reverseEarn`` with
``lines``), and what it takes back of the campaigns' points given with the earn: the rules
layer computes from the earn's record, the ledger records."""

from __future__ import annotations

from collections.abc import Sequence

from exchange.ledger.earning import EarnRecord, Return, ReturnPricer
from exchange.ledger.linked_returns import Linked, ReturnSoFar
from partners import rules
from partners.campaigns import record as campaign_record
from partners.campaigns import returns as campaign_returns
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


def campaign_points(so_far: ReturnSoFar, linked: Sequence[Linked]) -> dict[int, int]:
    """What a return takes back of each campaign's BONUS entry (``campaigns.returns``); other
    entries linked to the earn are left alone."""
    back = campaign_returns.returned(so_far.purchase, so_far.returns, so_far.complete)
    taken = {}
    for entry in linked:
        if "campaign" in entry.details:
            award = campaign_record.outcome(entry.details, entry.entry_id)
            taken[entry.entry_id] = campaign_returns.points_back(award, back, entry.taken)
    return taken
