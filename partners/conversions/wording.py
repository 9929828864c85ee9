"""What the ledger writes as the reason of a conversion's entry (the member reads it)."""

from __future__ import annotations

from decimal import Decimal

from partners.conversions.rules import Direction


def reason(direction: Direction, amount: Decimal, code: str, name: str) -> str:
    """Converted 1,000 SKY of SkyMiles into points / Converted into 1,250 SKY of SkyMiles."""
    written = f"{format(amount, ',f')} {code}"
    if direction is Direction.IN:
        return f"Converted {written} of {name} into points"
    return f"Converted into {written} of {name}"
