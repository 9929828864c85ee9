"""Option values the commands parse alike: instants with an offset, amounts of money, ids,
idempotency keys."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated

import typer

from exchange.kit.errors import InvalidInput, NotFound
from exchange.kit.ids import MAX_DB_ID, expect_global_id
from exchange.kit.money import parse_money


def instant(value: str | None) -> datetime | None:
    """An ISO 8601 date-time with its UTC offset (None: not given)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{value!r} has no UTC offset; add Z or an offset such as +02:00")
    return parsed.astimezone(UTC)


def amount(value: str | None, currency: str) -> Decimal | None:
    """An amount of the program's currency above 0 (None: not given)."""
    if value is None:
        return None
    return parse_money(value, currency, program_currency=currency).amount


def db_id(text: str, type_name: str, error: type[NotFound]) -> int:
    """An object's database id from a plain number or its GraphQL global id (anything else
    is ``error``, as no such object)."""
    if text.isdigit():
        if not 0 < int(text) <= MAX_DB_ID:
            raise error(f"no {type_name.lower()} with this id")
        return int(text)
    return expect_global_id(text, type_name, error=error)


IdempotencyKey = Annotated[
    str | None,
    typer.Option(
        help="Run again with the same key and options: it is done once.", show_default=False
    ),
]


def key_or_new(key: str | None) -> str:
    """The key given, or a new one (each run is then a new request)."""
    return key or secrets.token_hex(16)
