"""``quoteConversion``: the numbers of a conversion by the rules in force now, locked for a
short time (``EXCHANGE_CONVERSION_QUOTE_SECONDS``) for the caller that asked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.kit.money import check_points
from exchange.ledger.errors import MemberClosed, MemberNotFound, PartnerSuspended
from partners.conversions import checks, pricing, store
from partners.conversions.errors import ConversionNotOffered
from partners.conversions.rules import Currency, Direction, RuleSet, in_force


@dataclass(frozen=True)
class Ask:
    """What a caller asks to convert: exactly one of points and amount."""

    member_id: int
    currency: str
    direction: Direction
    points: int | None
    amount: str | None
    program_account: str | None = None


@dataclass(frozen=True)
class Quote:
    id: int
    member_id: int
    currency: Currency
    rule_set_id: int
    rule_version: int
    direction: Direction
    points: int
    amount: Decimal
    rate: Decimal
    program_account: str | None
    quoted_by: str
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None


def day_start(now: datetime) -> datetime:
    """The start of ``now``'s UTC day: daily limits count from there."""
    return datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)


async def converted_today(
    conn: Conn, member_id: int, currency_id: int, direction: Direction, now: datetime
) -> int:
    """Points the member converted this way in this currency since the start of the UTC day
    (pending conversions count; declined and expired ones do not)."""
    cur = await conn.execute(
        "SELECT coalesce(sum(points), 0)::bigint AS points FROM conversions"
        " WHERE member_id = %s AND currency_id = %s AND direction = %s"
        " AND status IN ('PENDING', 'COMPLETED') AND requested_at >= %s",
        (member_id, currency_id, direction.value, day_start(now)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["points"])


async def check_member(conn: Conn, member_id: int, partner_id: int | None) -> None:
    """The member exists, is open and (for a partner key) was shown to the partner."""
    cur = await conn.execute(
        "SELECT m.status, (%s::bigint IS NULL OR EXISTS (SELECT 1 FROM member_partner_links l"
        "   WHERE l.member_id = m.id AND l.partner_id = %s)) AS shown"
        " FROM members m WHERE m.id = %s",
        (partner_id, partner_id, member_id),
    )
    row = await cur.fetchone()
    if row is None or not row["shown"]:
        raise MemberNotFound("no member with this id", field=["memberId"])
    if row["status"] != "ACTIVE":
        raise MemberClosed("this member's account is closed", field=["memberId"])


async def check_partner(conn: Conn, partner_id: int) -> None:
    """The currency's partner is active (a suspended one neither issues nor redeems)."""
    cur = await conn.execute("SELECT status FROM partners WHERE id = %s", (partner_id,))
    row = await cur.fetchone()
    if row is None or row["status"] != "ACTIVE":
        raise PartnerSuspended("the partner of this currency is suspended", field=["currency"])


def _priced(ask: Ask, currency: Currency, rules: RuleSet) -> tuple[pricing.Priced, str]:
    rate = pricing.check_offered(rules.terms.way(ask.direction), ask.direction)
    if (ask.points is None) == (ask.amount is None):
        raise InvalidInput("give exactly one of points and amount", field=["points"])
    if ask.points is not None:
        points = check_points(ask.points)
        return pricing.by_points(ask.direction, rate, points, currency.decimals), "points"
    assert ask.amount is not None
    amount = checks.amount(ask.amount, currency.decimals)
    return pricing.by_amount(ask.direction, rate, amount, currency.decimals), "amount"


async def quote(
    conn: Conn,
    ask: Ask,
    *,
    partner_id: int | None,
    quoted_by: str,
    lock: timedelta,
    now: datetime,
) -> Quote:
    """A quote by the rules in force now, within their limits (counting what the member
    converted today). ``partner_id``: a partner key asks, for a member it was shown and in
    its own currency only."""
    currency = await store.currency_by_code(conn, ask.currency, partner_id=partner_id)
    await check_member(conn, ask.member_id, partner_id)
    await check_partner(conn, currency.partner_id)
    account = checks.program_account(ask.program_account)
    versions = (await store.versions_of(conn, [currency.id]))[currency.id]
    rules = in_force(versions, now)
    if rules is None:
        raise ConversionNotOffered(
            f"{currency.code} has no conversion rules in force now", field=["currency"]
        )
    priced, field = _priced(ask, currency, rules)
    way = rules.terms.way(ask.direction)
    today = await converted_today(conn, ask.member_id, currency.id, ask.direction, now)
    pricing.check_limits(way, ask.direction, priced.points, converted_today=today, field=field)
    assert way.rate is not None
    cur = await conn.execute(
        "INSERT INTO conversion_quotes (member_id, currency_id, rule_set_id, direction, points,"
        " amount, rate, program_account, quoted_by, created_at, expires_at)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING *",
        (
            ask.member_id,
            currency.id,
            rules.id,
            ask.direction.value,
            priced.points,
            priced.amount,
            way.rate,
            account,
            quoted_by,
            now,
            now + lock,
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return quote_of(row, currency, rules.version)


def quote_of(row: dict[str, Any], currency: Currency, version: int) -> Quote:
    return Quote(
        id=row["id"],
        member_id=row["member_id"],
        currency=currency,
        rule_set_id=row["rule_set_id"],
        rule_version=version,
        direction=Direction(row["direction"]),
        points=row["points"],
        amount=row["amount"].quantize(Decimal(1).scaleb(-currency.decimals)),
        rate=row["rate"],
        program_account=row["program_account"],
        quoted_by=row["quoted_by"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
        used_at=row["used_at"],
    )


async def purge(conn: Conn, before: datetime) -> int:
    """Forget quotes never used that expired before ``before`` (the sweeper, daily age)."""
    cur = await conn.execute(
        "DELETE FROM conversion_quotes WHERE used_at IS NULL AND expires_at < %s", (before,)
    )
    return cur.rowcount


async def quote_for(conn: Conn, quote_id: int, quoted_by: str) -> Quote | None:
    """The caller's own quote (anyone else's is not found)."""
    cur = await conn.execute(
        "SELECT q.*, r.version FROM conversion_quotes q"
        " JOIN conversion_rule_sets r ON r.id = q.rule_set_id"
        " WHERE q.id = %s AND q.quoted_by = %s",
        (quote_id, quoted_by),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return quote_of(row, await store.currency_by_id(conn, row["currency_id"]), row["version"])
