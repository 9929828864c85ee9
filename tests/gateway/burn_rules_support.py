"""Burn rules and rewards over GraphQL: inputs, and reading back what a burn recorded."""

from __future__ import annotations

from typing import Any

from gateway_support import Api, member_gid, new_key

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import from_global_id, to_global_id

BURN_QUOTE = (
    "query($m: ID!, $a: MoneyInput!) { burnQuote(memberId: $m, amount: $a) { maxPoints"
    " value { amount currency } pointValue { amount } availableBalance boundBy ruleVersion"
    " steps { limit message points applied } } }"
)
RULES = (
    "burnRules { version effectiveFrom acceptsRedemption pointValue { amount currency }"
    " maxBasketShare minimumBasket { amount currency } minimumPoints }"
)


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def partner_gid(partner: Any) -> str:
    return to_global_id("Partner", partner.id)


def rules_input(code: str, **rules: Any) -> dict[str, Any]:
    return {"partnerCode": code, "idempotencyKey": new_key("rules"), **rules}


async def set_rules(admin: Api, code: str, **rules: Any) -> dict[str, Any]:
    payload = await admin.ok("setBurnRules", rules_input(code, **rules), RULES)
    found: dict[str, Any] = payload["burnRules"]
    return found


async def earn(till: Api, member: int, amount: str) -> None:
    await till.ok(
        "earnPoints",
        {"memberId": member_gid(member), "amount": eur(amount), "idempotencyKey": new_key()},
        "__typename",
    )


async def quote(till: Api, member: int, basket: str) -> dict[str, Any]:
    found: dict[str, Any] = (
        await till.data(BURN_QUOTE, {"m": member_gid(member), "a": eur(basket)})
    )["burnQuote"]
    return found


def burn_input(member: int, points: int, basket: str | None = None) -> dict[str, Any]:
    given: dict[str, Any] = {
        "memberId": member_gid(member),
        "points": points,
        "idempotencyKey": new_key("burn"),
    }
    if basket is not None:
        given["basketAmount"] = eur(basket)
    return given


async def entry(pool: Pool, transaction_id: str) -> dict[str, Any]:
    """The journal entry behind a Transaction id."""
    kind, entry_id = from_global_id(transaction_id)
    assert kind == "Transaction"
    async with transaction(pool) as conn:
        cur = await conn.execute("SELECT * FROM journal_entries WHERE id = %s", (entry_id,))
        row = await cur.fetchone()
    assert row is not None
    return dict(row)
