"""Calling the ledger's SQL functions (migration 0002): one round trip per operation.

A business refusal inside a function raises SQLSTATE P0001 with the error code as its
message, the human message as DETAIL and the input field as HINT; it becomes the matching
:class:`ExchangeError` here, and the statement's writes are all rolled back.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, IdempotencyConflict, InvalidAmount, InvalidInput
from exchange.ledger import errors
from exchange.ledger.outcome import Outcome

REFUSALS: dict[str, type[ExchangeError]] = {
    cls.code: cls
    for cls in (
        IdempotencyConflict,
        InvalidAmount,
        InvalidInput,
        errors.MemberNotFound,
        errors.MemberClosed,
        errors.InsufficientPoints,
        errors.HoldNotFound,
        errors.HoldExpired,
        errors.HoldAlreadyFinal,
        errors.AmountExceedsOriginal,
        errors.PartnerSuspended,
        errors.NoPriceInForce,
        errors.PartnerCreditLimit,
        errors.BurnLimitExceeded,
        errors.EarnRulesChanged,
        errors.CampaignsChanged,
        errors.PromoCodeLimitReached,
    )
}


def refusal(error: psycopg.errors.RaiseException) -> ExchangeError:
    code = error.diag.message_primary or ""
    cls = REFUSALS.get(code)
    if cls is None:
        raise error
    field = error.diag.message_hint
    return cls(error.diag.message_detail or code, field=[field] if field else None)


async def call(conn: Conn, function: str, **params: Any) -> Outcome:
    """``SELECT function(name => value, ...)``; its jsonb result is the operation's outcome.
    Dicts and lists are sent as jsonb."""
    arguments = ", ".join(f"{name} => %({name})s" for name in params)
    values = {name: Jsonb(v) if isinstance(v, dict | list) else v for name, v in params.items()}
    try:
        cur = await conn.execute(f"SELECT {function}({arguments}) AS outcome", values)
    except psycopg.errors.RaiseException as error:
        raise refusal(error) from None
    row = await cur.fetchone()
    assert row is not None
    return Outcome.from_json(row["outcome"])
