"""What an earn keeps of its calculation (``journal_entries.details``), and back.

Everything a reversal or a replay needs is here: the rule version, each line's category,
amount, rule, rate, multiplier and points, the caps and what they did. The earn's SQL
function adds ``dailyCap`` (the cap, the points earned before that day, the points it let
through) when the version has one. Earns from before rule versions kept only ``rate`` and
``lines`` (category, amount, points): they read back as one flat rate.

    {"rate": "0.1", "ruleSet": {"id": 7, "version": 2, "effectiveFrom": "..."},
     "lines": [{"category": "fuel", "amount": "45.00", "rule": "CATEGORY_RATE",
                "rate": "0.1", "points": 4}, ...],
     "minimumPurchase": "10.00", "capPerTransaction": 50, "points": 7,
     "dailyCap": {"limit": 100, "earnedBefore": 20, "points": 7}}
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from partners.earn_rules.evaluation import Calculation, DailyCap, LineResult, Multiplier
from partners.earn_rules.rule_sets import Rule


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _line(line: LineResult) -> dict[str, Any]:
    kept: dict[str, Any] = {
        "category": line.category,
        "amount": format(line.amount, "f"),
        "rule": line.rule.value,
        "rate": _number(line.rate),
        "points": line.points,
    }
    if line.multiplier != 1:
        kept["multiplier"] = _number(line.multiplier)
    return kept


def _multiplier(multiplier: Multiplier) -> dict[str, Any]:
    categories = None if multiplier.categories is None else sorted(multiplier.categories)
    return {
        "source": multiplier.source,
        "factor": _number(multiplier.factor),
        "categories": categories,
    }


def details(calculation: Calculation) -> dict[str, Any]:
    """The calculation as the transaction keeps it (before the daily cap, which the earn's
    SQL function records)."""
    kept: dict[str, Any] = {"rate": _number(calculation.base_rate)}
    if calculation.rule_set_id is not None:
        assert calculation.effective_from is not None
        kept["ruleSet"] = {
            "id": calculation.rule_set_id,
            "version": calculation.version,
            "effectiveFrom": calculation.effective_from.isoformat(),
        }
    kept["lines"] = [_line(line) for line in calculation.lines]
    if calculation.multipliers:
        kept["multipliers"] = [_multiplier(m) for m in calculation.multipliers]
    if calculation.minimum_purchase is not None:
        kept["minimumPurchase"] = format(calculation.minimum_purchase, "f")
    if calculation.cap_per_transaction is not None:
        kept["capPerTransaction"] = calculation.cap_per_transaction
    kept["points"] = calculation.points_per_transaction
    return kept


def _read_line(line: dict[str, Any], flat_rate: Decimal) -> LineResult:
    return LineResult(
        category=str(line["category"]),
        amount=Decimal(line["amount"]),
        rule=Rule(line.get("rule", Rule.BASE_RATE.value)),
        rate=Decimal(line.get("rate", flat_rate)),
        multiplier=Decimal(line.get("multiplier", "1")),
        points=int(line["points"]),
    )


def _read_multiplier(kept: dict[str, Any]) -> Multiplier:
    categories = kept.get("categories")
    return Multiplier(
        source=str(kept["source"]),
        factor=Decimal(kept["factor"]),
        categories=None if categories is None else frozenset(categories),
    )


def _read_daily_cap(kept: dict[str, Any] | None) -> DailyCap | None:
    if kept is None or "earnedBefore" not in kept:
        return None
    return DailyCap(int(kept["limit"]), int(kept["earnedBefore"]), int(kept["points"]))


def calculation(kept: dict[str, Any], *, amount: Decimal, currency: str) -> Calculation:
    """The calculation an earn recorded (its entry's amount and currency beside it)."""
    rate = Decimal(kept["rate"])
    rule_set = kept.get("ruleSet") or {}
    effective_from = rule_set.get("effectiveFrom")
    minimum = kept.get("minimumPurchase")
    return Calculation(
        rule_set_id=rule_set.get("id"),
        version=rule_set.get("version"),
        effective_from=None if effective_from is None else datetime.fromisoformat(effective_from),
        base_rate=rate,
        amount=amount,
        currency=currency,
        lines=tuple(_read_line(line, rate) for line in kept.get("lines", [])),
        multipliers=tuple(_read_multiplier(m) for m in kept.get("multipliers", [])),
        minimum_purchase=None if minimum is None else Decimal(minimum),
        cap_per_transaction=kept.get("capPerTransaction"),
        daily_cap=_read_daily_cap(kept.get("dailyCap")),
    )
