"""Multilateral netting: each partner's net against the operator's clearing account, then the
fewest payments that move exactly those nets. Pure: plain values in and out.

Participants are the partners with a non-zero net and the operator (``None``), whose net is
minus the sum of the partners' (its margin, received). Positive nets pay, negative receive.
Greedy matching of the largest payer with the largest receiver settles at least one
participant per payment, so n participants need at most n - 1 payments.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

Party = int | None
"""A partner id, or None for the operator."""


@dataclass(frozen=True)
class Payment:
    payer: Party
    payee: Party
    amount: Decimal


def _order(item: tuple[Party, Decimal]) -> tuple[Decimal, int]:
    party, amount = item
    return -abs(amount), -1 if party is None else party


def payments_for(nets: dict[int, Decimal]) -> list[Payment]:
    """Payments that settle ``nets`` (partner id -> amount it owes, negative: is owed)."""
    balances: dict[Party, Decimal] = {party: net for party, net in nets.items() if net != 0}
    operator = -sum(balances.values(), Decimal(0))
    if operator != 0:
        balances[None] = operator
    payers = sorted(((p, a) for p, a in balances.items() if a > 0), key=_order)
    payees = sorted(((p, -a) for p, a in balances.items() if a < 0), key=_order)
    payments: list[Payment] = []
    i = j = 0
    while i < len(payers) and j < len(payees):
        (payer, owes), (payee, due) = payers[i], payees[j]
        amount = min(owes, due)
        payments.append(Payment(payer, payee, amount))
        payers[i] = (payer, owes - amount)
        payees[j] = (payee, due - amount)
        i += payers[i][1] == 0
        j += payees[j][1] == 0
    return payments
