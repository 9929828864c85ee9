"""One record of an import file checked and priced as ``earnPoints`` would: the same money
and basket checks, the same points (``partners.purchases``: the earn rule version in force
at the line's time, the cap per member per day applied when the line is posted), and the
same idempotency hash over the same normalized body, so an earn sent singly and again in a
file is recognized as one."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.ids import expect_global_id
from exchange.kit.money import parse_money
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.idempotency import check_key, request_hash
from exchange.ledger.importing import StagedLine
from partners import purchases, rules
from partners.earn_rules.rule_sets import RuleSet
from partners.import_files import Record
from partners.tiers import earning as tiers
from partners.tiers.earning import EarnTier

CLOCK_SKEW = timedelta(minutes=5)
MAX_LINES = 200
MAX_CATEGORY = 64
MAX_ORDER_ID = 128
REFERENCES = ("memberId", "cardNumber", "externalId")


@dataclass(frozen=True)
class Terms:
    partner_id: int
    rule_sets: tuple[RuleSet, ...]
    """The partner's earn rule versions when the job started."""
    currency: str
    now: datetime


@dataclass(frozen=True)
class MemberLookup:
    by_card: dict[str, int]
    by_external_id: dict[str, int]
    tiers: dict[int, EarnTier] = field(default_factory=dict)
    """The batch's members' tiers and membership multipliers (those with none are left out)."""


def card_key(card_number: str) -> str:
    return re.sub(r"[\s-]", "", card_number)


def reference(fields: dict[str, Any]) -> tuple[str, str]:
    given = [(name, str(fields[name])) for name in REFERENCES if fields.get(name) not in (None, "")]
    if len(given) != 1:
        raise InvalidInput("give exactly one of memberId, cardNumber or externalId")
    return given[0]


def _member(fields: dict[str, Any], lookup: MemberLookup) -> tuple[int, bool]:
    kind, value = reference(fields)
    if kind == "memberId":
        return expect_global_id(value, "Member", error=MemberNotFound), False
    found = (
        lookup.by_card.get(card_key(value))
        if kind == "cardNumber"
        else lookup.by_external_id.get(value)
    )
    if found is None:
        raise MemberNotFound("no member with this identifier", field=["member"])
    return found, kind == "cardNumber"


def _text(fields: dict[str, Any], name: str) -> str | None:
    value = fields.get(name)
    return None if value is None else str(value)


def _occurred_at(fields: dict[str, Any], now: datetime) -> datetime | None:
    value = _text(fields, "occurredAt")
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise InvalidInput(f"{value!r} has no UTC offset; add Z or an offset such as +02:00")
    if parsed > now + CLOCK_SKEW:
        raise InvalidInput("occurredAt is in the future", field=["occurredAt"])
    return parsed.astimezone(UTC)


def _basket(raw: object, currency: str, program: str) -> list[rules.Line]:
    if raw is None:
        return []
    if not isinstance(raw, list) or len(raw) > MAX_LINES:
        raise InvalidInput(f"lines must be a list of at most {MAX_LINES}", field=["lines"])
    parsed = []
    for line in raw:
        if not isinstance(line, dict):
            raise InvalidInput("each line is an object {category, amount}", field=["lines"])
        category = str(line.get("category", ""))
        if not 0 < len(category) <= MAX_CATEGORY:
            raise InvalidInput(f"category must be 1 to {MAX_CATEGORY} characters")
        amount = parse_money(str(line.get("amount", "")), currency, program_currency=program)
        parsed.append(rules.Line(category=category, amount=amount.amount))
    return parsed


def _order_id(fields: dict[str, Any]) -> str | None:
    order_id = _text(fields, "orderId")
    if order_id is not None and not (0 < len(order_id) <= MAX_ORDER_ID and order_id.isprintable()):
        raise InvalidInput(f"orderId must be 1 to {MAX_ORDER_ID} printable characters")
    return order_id


def price(fields: dict[str, Any], line_no: int, terms: Terms, lookup: MemberLookup) -> StagedLine:
    key = check_key(_text(fields, "idempotencyKey") or "")
    money = parse_money(
        _text(fields, "amount") or "",
        _text(fields, "currency") or "",
        program_currency=terms.currency,
    )
    basket = _basket(fields.get("lines"), money.currency, terms.currency)
    occurred_at = _occurred_at(fields, terms.now)
    order_id = _order_id(fields)
    member_id, by_card = _member(fields, lookup)
    at = occurred_at or terms.now
    rule_set = purchases.rule_set_at(terms.rule_sets, at)
    tier = lookup.tiers.get(member_id, tiers.NONE)
    calculation = purchases.calculate(rule_set, money, basket, tier.multipliers)
    body = purchases.purchase_body(member_id, order_id, money, basket, occurred_at)
    return StagedLine(
        line_no=line_no,
        idem_key=key,
        member_id=member_id,
        by_card=by_card,
        request_hash=request_hash("earnPoints", body),
        order_id=order_id,
        amount=money.amount,
        currency=money.currency,
        occurred_at=at,
        points=calculation.points,
        earn_rate=rule_set.terms.base_rate,
        details=json.dumps(purchases.staged_details(rule_set, calculation, at, tier)),
    )


def stage_record(record: Record, terms: Terms, lookup: MemberLookup) -> StagedLine:
    """The record priced, or rejected with the code and message a single earn would give."""
    key = None if record.fields is None else _text(record.fields, "idempotencyKey")
    if record.fields is None or record.problem is not None:
        message = record.problem or "unreadable line"
        return StagedLine(record.line_no, key, error_code="INVALID_INPUT", error_message=message)
    try:
        return price(record.fields, record.line_no, terms, lookup)
    except ExchangeError as error:
        return StagedLine(record.line_no, key, error_code=error.code, error_message=error.message)
