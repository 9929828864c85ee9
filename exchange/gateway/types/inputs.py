"""Inputs shared by mutations and quotes, and how they are checked."""

from __future__ import annotations

import strawberry

from exchange.kit.errors import InvalidInput
from exchange.kit.money import Money, parse_money
from partners import rules

from .common import MoneyInput

MAX_LINES = 200
MAX_CATEGORY = 64


@strawberry.input(description="One line of the basket: a category and what was paid for it.")
class LineInput:
    category: str
    amount: MoneyInput


def parse_amount(money: MoneyInput, currency: str) -> Money:
    return parse_money(money.amount, money.currency, program_currency=currency)


def parse_lines(lines: list[LineInput] | None, currency: str) -> list[rules.Line]:
    lines = lines or []
    if len(lines) > MAX_LINES:
        raise InvalidInput(f"at most {MAX_LINES} lines", field=["lines"])
    parsed = []
    for index, line in enumerate(lines):
        if not 0 < len(line.category) <= MAX_CATEGORY:
            raise InvalidInput(
                f"category must be 1 to {MAX_CATEGORY} characters",
                field=["lines", str(index), "category"],
            )
        amount = parse_amount(line.amount, currency).amount
        parsed.append(rules.Line(category=line.category, amount=amount))
    return parsed
