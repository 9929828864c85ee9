"""The fuel station's earn rules over GraphQL, and reading an earn's record back."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway_support import Api, member_gid, new_key

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import from_global_id

RULE_SET = (
    "earnRuleSet { version effectiveFrom baseRate categoryRates { category rate }"
    " excludedCategories minimumPurchase { amount currency } capPerTransaction"
    " capPerMemberPerDay }"
)
QUOTE = (
    "query($m: ID!, $a: MoneyInput!, $l: [LineInput!]) { earnQuote(memberId: $m, amount: $a,"
    " lines: $l) { points rate pointsBeforeCaps ruleVersion lines { category points"
    " pointsBeforeCaps rule rate multiplier exactPoints } explanation { rule message points"
    " line applied } } }"
)


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def line(category: str, amount: str) -> dict[str, Any]:
    return {"category": category, "amount": eur(amount)}


BASKET = [line("fuel", "45.00"), line("shop", "12.50"), line("gift_card", "20.00")]


def fuel_rules(code: str, **changes: Any) -> dict[str, Any]:
    """1 point per 10 EUR of fuel, 3 per 10 EUR of shop goods, gift cards earn nothing."""
    return {
        "partnerCode": code,
        "baseRate": "0.05",
        "categoryRates": [{"category": "fuel", "rate": "0.1"}, {"category": "shop", "rate": "0.3"}],
        "excludedCategories": ["gift_card"],
        "idempotencyKey": new_key("rules"),
        **changes,
    }


async def set_rules(admin: Api, code: str, **changes: Any) -> dict[str, Any]:
    done = await admin.ok("setEarnRules", fuel_rules(code, **changes), RULE_SET)
    rule_set: dict[str, Any] = done["earnRuleSet"]
    return rule_set


async def earn(
    till: Api, member: int, amount: str, lines: list[dict[str, Any]] | None = None, **extra: Any
) -> dict[str, Any]:
    payload = {
        "memberId": member_gid(member),
        "amount": eur(amount),
        "idempotencyKey": new_key("earn"),
        **extra,
    }
    if lines is not None:
        payload["lines"] = lines
    done = await till.ok("earnPoints", payload, "transaction { id points }")
    transaction_id: dict[str, Any] = done["transaction"]
    return transaction_id


async def details_of(pool: Pool, transaction_id: str) -> dict[str, Any]:
    _, entry_id = from_global_id(transaction_id)
    async with transaction(pool) as conn:
        cur = await conn.execute("SELECT details FROM journal_entries WHERE id = %s", (entry_id,))
        row = await cur.fetchone()
    assert row is not None
    details: dict[str, Any] = row["details"]
    return details


def iso(at: datetime) -> str:
    return at.isoformat()
