"""Which lots a reversal takes points from: pure functions over plain values.

(Burns and captures choose their lots in SQL, ``ledger_take_lots`` in migration 0002, by
the same rules: earliest expiry first; a capture may finish with lots that expired while
its hold stood.)

A member's lots, as the ledger sees them under the member's lock:
- *capturable*: available now (``available_at <= now``), expired or not; holds are promises
  on these, so the ledger keeps ``capturable >= held`` at all times (contract rule 5);
- *spendable*: capturable and not expired; a burn or hold needs
  ``spendable - held - debt >= points``;
- *pending*: not yet available (a return window).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class OpenLot:
    id: int
    issuer_partner_id: int | None
    remaining: int
    available_at: datetime
    expires_at: datetime | None
    entry_id: int

    def is_capturable(self, now: datetime) -> bool:
        return self.available_at <= now

    def is_spendable(self, now: datetime) -> bool:
        return self.is_capturable(now) and (self.expires_at is None or self.expires_at > now)


@dataclass(frozen=True)
class Take:
    lot: OpenLot
    points: int


@dataclass(frozen=True)
class LotTotals:
    spendable: int
    capturable: int
    pending: int


def totals(lots: Iterable[OpenLot], now: datetime) -> LotTotals:
    spendable = capturable = pending = 0
    for lot in lots:
        if lot.is_spendable(now):
            spendable += lot.remaining
        if lot.is_capturable(now):
            capturable += lot.remaining
        else:
            pending += lot.remaining
    return LotTotals(spendable=spendable, capturable=capturable, pending=pending)


def _expiry_order(lot: OpenLot) -> tuple[bool, datetime, int]:
    never = datetime.max.replace(tzinfo=lot.available_at.tzinfo)
    return (lot.expires_at is None, lot.expires_at or never, lot.id)


def spendable_by_expiry(lots: Iterable[OpenLot], now: datetime) -> list[OpenLot]:
    """The lots a transfer may take, earliest expiry first (those that never expire last)."""
    return sorted((lot for lot in lots if lot.is_spendable(now)), key=_expiry_order)


def take_in_order(lots: Iterable[OpenLot], points: int) -> list[Take]:
    """Take ``points`` from ``lots`` in the order given; returns fewer if they run out."""
    takes: list[Take] = []
    left = points
    for lot in lots:
        if left == 0:
            break
        taken = min(lot.remaining, left)
        if taken > 0:
            takes.append(Take(lot, taken))
            left -= taken
    return takes


def plan_reversal(
    lots: Sequence[OpenLot], points: int, *, own_entry_id: int, held: int, now: datetime
) -> tuple[list[Take], int]:
    """Take back an earn's points: its own lot first, then pending lots, then other lots.

    Points reserved by holds are never taken (the capture must not fail); what cannot be
    taken becomes debt. Returns the takes and the debt.
    """
    spare_capturable = max(0, totals(lots, now).capturable - held)
    own = [lot for lot in lots if lot.entry_id == own_entry_id]
    pending = sorted(
        (lot for lot in lots if not lot.is_capturable(now) and lot not in own), key=_expiry_order
    )
    others = sorted(
        (lot for lot in lots if lot.is_capturable(now) and lot not in own), key=_expiry_order
    )
    takes: list[Take] = []
    left = points
    for lot in [*own, *pending, *others]:
        limit = (
            lot.remaining if not lot.is_capturable(now) else min(lot.remaining, spare_capturable)
        )
        taken = min(limit, left)
        if taken <= 0:
            continue
        takes.append(Take(lot, taken))
        left -= taken
        if lot.is_capturable(now):
            spare_capturable -= taken
    return takes, left
