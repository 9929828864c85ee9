"""What a burn keeps of its limits (``journal_entries.details``; a hold's ``details`` until
its capture), and back. A refund keeps the same, so it gives back at the same numbers.

    {"burnRule": {"id": 7, "version": 2, "effectiveFrom": "..."},
     "pointValue": "0.01", "pointValueFrom": "RULE", "currency": "EUR",
     "basket": "50.00", "maxBasketShare": "0.2", "maxPoints": 1000,
     "minimumBasket": "10.00", "minimumPoints": 100}

A burn under the defaults with no basket keeps nothing: the redemption value the entry
records is its whole story. ``reward`` marks a reward's burn (the rewards module adds what
it was).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from partners.burn_rules.evaluation import Limits, amount
from partners.burn_rules.rule_sets import Terms

RULE, REDEMPTION_VALUE = "RULE", "REDEMPTION_VALUE"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _rule_set(limits: Limits) -> dict[str, Any]:
    assert limits.effective_from is not None
    return {
        "id": limits.rule_set_id,
        "version": limits.version,
        "effectiveFrom": limits.effective_from.isoformat(),
    }


def details(limits: Limits) -> dict[str, Any] | None:
    """The limits as the burn keeps them; None when there is nothing to keep."""
    if limits.rule_set_id is None and limits.basket is None and not limits.reward:
        return None
    terms = limits.terms
    kept: dict[str, Any] = {}
    if limits.rule_set_id is not None:
        kept["burnRule"] = _rule_set(limits)
    kept["pointValue"] = _number(limits.point_value)
    kept["pointValueFrom"] = RULE if limits.point_value_from_rule else REDEMPTION_VALUE
    kept["currency"] = limits.currency
    if limits.basket is not None:
        kept["basket"] = format(limits.basket, "f")
    if terms.max_basket_share is not None:
        kept["maxBasketShare"] = _number(terms.max_basket_share)
    if limits.basket_cap is not None:
        kept["maxPoints"] = limits.basket_cap
    if terms.minimum_basket is not None:
        kept["minimumBasket"] = amount(terms.minimum_basket, limits.currency)
    if terms.minimum_points is not None:
        kept["minimumPoints"] = terms.minimum_points
    if limits.reward:
        kept["reward"] = {}
    return kept


def _decimal(kept: dict[str, Any], name: str) -> Decimal | None:
    value = kept.get(name)
    return None if value is None else Decimal(value)


def limits(kept: dict[str, Any]) -> Limits:
    """The limits a burn recorded."""
    rule_set = kept.get("burnRule") or {}
    effective_from = rule_set.get("effectiveFrom")
    point_value = Decimal(kept["pointValue"])
    from_rule = kept.get("pointValueFrom") == RULE
    terms = Terms(
        point_value=point_value if from_rule else None,
        max_basket_share=_decimal(kept, "maxBasketShare"),
        minimum_basket=_decimal(kept, "minimumBasket"),
        minimum_points=kept.get("minimumPoints"),
    )
    return Limits(
        rule_set_id=rule_set.get("id"),
        version=rule_set.get("version"),
        effective_from=None if effective_from is None else datetime.fromisoformat(effective_from),
        terms=terms,
        point_value=point_value,
        point_value_from_rule=from_rule,
        currency=str(kept["currency"]),
        basket=_decimal(kept, "basket"),
        reward="reward" in kept,
    )
