"""Program currencies and the versions of their conversion rules, in the database
(migration 0025). An admin or the partner adds a version; anyone reads them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency
from partners import registry
from partners.conversions.errors import CurrencyNotFound
from partners.conversions.rules import Currency, RuleSet, Terms, Way

OPERATION = "setConversionRules"
_CURRENCY = "id, partner_id, code, name, decimals"
_WAYS = ("in", "out")
_RULES = (
    "id, currency_id, version, effective_from, created_at, in_enabled, in_rate,"
    " in_minimum_points, in_maximum_points, in_daily_points, out_enabled, out_rate,"
    " out_minimum_points, out_maximum_points, out_daily_points"
)


@dataclass(frozen=True)
class NewRules:
    """A new version, and the currency it is of (registered by its first version)."""

    partner_code: str
    currency: str
    name: str | None
    decimals: int | None
    effective_from: datetime | None
    terms: Terms


def currency(row: dict[str, Any]) -> Currency:
    return Currency(**{name: row[name] for name in Currency.__dataclass_fields__})


def _way(row: dict[str, Any], prefix: str) -> Way:
    return Way(
        offered=row[f"{prefix}_enabled"],
        rate=row[f"{prefix}_rate"],
        minimum_points=row[f"{prefix}_minimum_points"],
        maximum_points=row[f"{prefix}_maximum_points"],
        daily_points=row[f"{prefix}_daily_points"],
    )


def rule_set(row: dict[str, Any]) -> RuleSet:
    return RuleSet(
        id=row["id"],
        currency_id=row["currency_id"],
        version=row["version"],
        effective_from=row["effective_from"],
        terms=Terms(into=_way(row, "in"), out=_way(row, "out")),
        created_at=row["created_at"],
    )


def _request(new: NewRules) -> dict[str, Any]:
    """The input an idempotency key is bound to."""
    ways = {
        name: way.__dict__ for name, way in zip(_WAYS, (new.terms.into, new.terms.out), strict=True)
    }
    return {
        "partnerCode": new.partner_code,
        "currency": new.currency,
        "name": new.name,
        "decimals": new.decimals,
        "effectiveFrom": new.effective_from,
        **ways,
    }


async def add_rules(
    conn: Conn, new: NewRules, *, caller: str, key: str | None, actor: str, now: datetime
) -> tuple[Currency, RuleSet]:
    """The currency's next version, in force from ``effective_from`` (default now; at most
    ``registry.BACKDATE_LIMIT`` ago, never before a conversion that used the version it
    would replace). The first version registers the currency (its name needed). The
    partner's row is locked: its versions are numbered in turn. The same key and input again
    returns what it added (``key`` None: the command line, no key)."""
    done = None
    if key is not None:
        done = await idempotency.claim(
            conn, caller=caller, key=key, operation=OPERATION, request=_request(new)
        )
    if done is not None:
        found = await rule_set_by_id(conn, int(done["rule_set_id"]))
        return await currency_by_id(conn, found.currency_id), found
    start = now if new.effective_from is None else new.effective_from
    if start < now - registry.BACKDATE_LIMIT:
        raise InvalidInput(
            "effectiveFrom may not be in the past: rules already used never change",
            field=["effectiveFrom"],
        )
    partner = await registry.lock_partner(conn, new.partner_code)
    registered = await _registered(conn, partner.id, new, now)
    if start < now:
        await _check_unused(conn, registered.id, start)
    added = await _insert(conn, registered.id, start, new.terms, actor, now)
    if key is not None:
        await idempotency.store(conn, caller=caller, key=key, response={"rule_set_id": added.id})
    return registered, added


async def _registered(conn: Conn, partner_id: int, new: NewRules, now: datetime) -> Currency:
    """The partner's currency of that code, registered now if it is new (its name may
    change; its decimals never: amounts were written with them)."""
    cur = await conn.execute(
        f"SELECT {_CURRENCY} FROM program_currencies WHERE code = %s", (new.currency,)
    )
    row = await cur.fetchone()
    if row is None:
        if new.name is None:
            raise InvalidInput("a new currency needs its name", field=["name"])
        cur = await conn.execute(
            "INSERT INTO program_currencies (partner_id, code, name, decimals, created_at)"
            f" VALUES (%s, %s, %s, %s, %s) RETURNING {_CURRENCY}",
            (partner_id, new.currency, new.name, new.decimals or 0, now),
        )
        created = await cur.fetchone()
        assert created is not None
        return currency(created)
    found = currency(row)
    if found.partner_id != partner_id:
        raise InvalidInput(
            f"the currency {new.currency} belongs to another partner", field=["currency"]
        )
    if new.decimals is not None and new.decimals != found.decimals:
        raise InvalidInput(
            f"{new.currency} has {found.decimals} decimals; they never change",
            field=["decimals"],
        )
    if new.name is not None and new.name != found.name:
        await conn.execute(
            "UPDATE program_currencies SET name = %s WHERE id = %s", (new.name, found.id)
        )
        return Currency(**{**found.__dict__, "name": new.name})
    return found


async def _check_unused(conn: Conn, currency_id: int, start: datetime) -> None:
    """A version may not start before a conversion already made under another."""
    cur = await conn.execute(
        "SELECT max(requested_at) AS last FROM conversions"
        " WHERE currency_id = %s AND requested_at >= %s",
        (currency_id, start),
    )
    used = await cur.fetchone()
    if used is not None and used["last"] is not None:
        raise InvalidInput(
            "the conversion rules in force at effectiveFrom were already used at"
            f" {used['last'].isoformat()}; effectiveFrom must be later",
            field=["effectiveFrom"],
        )


async def _insert(
    conn: Conn, currency_id: int, start: datetime, terms: Terms, actor: str, now: datetime
) -> RuleSet:
    values: dict[str, Any] = {"currency": currency_id, "start": start, "now": now, "actor": actor}
    for prefix, way in zip(_WAYS, (terms.into, terms.out), strict=True):
        values |= {
            f"{prefix}_enabled": way.offered,
            f"{prefix}_rate": way.rate,
            f"{prefix}_minimum_points": way.minimum_points,
            f"{prefix}_maximum_points": way.maximum_points,
            f"{prefix}_daily_points": way.daily_points,
        }
    columns = [name for name in values if name.startswith(_WAYS)]
    cur = await conn.execute(
        "INSERT INTO conversion_rule_sets (currency_id, version, effective_from, created_at,"
        f" created_by, {', '.join(columns)}) SELECT %(currency)s, coalesce(max(version), 0) + 1,"
        f" %(start)s, %(now)s, %(actor)s, {', '.join(f'%({name})s' for name in columns)}"
        f" FROM conversion_rule_sets WHERE currency_id = %(currency)s RETURNING {_RULES}",
        values,
    )
    row = await cur.fetchone()
    assert row is not None
    return rule_set(row)


async def rule_set_by_id(conn: Conn, rule_set_id: int) -> RuleSet:
    cur = await conn.execute(
        f"SELECT {_RULES} FROM conversion_rule_sets WHERE id = %s", (rule_set_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "versions are never deleted"
    return rule_set(row)


async def currency_by_id(conn: Conn, currency_id: int) -> Currency:
    cur = await conn.execute(
        f"SELECT {_CURRENCY} FROM program_currencies WHERE id = %s", (currency_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "currencies are never deleted"
    return currency(row)


async def currency_by_code(conn: Conn, code: str, *, partner_id: int | None = None) -> Currency:
    """The currency of that code (with ``partner_id``: only that partner's)."""
    cur = await conn.execute(
        f"SELECT {_CURRENCY} FROM program_currencies WHERE code = %s"
        " AND (%s::bigint IS NULL OR partner_id = %s)",
        (code.strip().upper(), partner_id, partner_id),
    )
    row = await cur.fetchone()
    if row is None:
        raise CurrencyNotFound(f"no program currency {code.strip().upper()}", field=["currency"])
    return currency(row)


async def currencies(conn: Conn, *, partner_id: int | None = None) -> list[Currency]:
    """Every program currency by code (one partner's with ``partner_id``)."""
    cur = await conn.execute(
        f"SELECT {_CURRENCY} FROM program_currencies"
        " WHERE %s::bigint IS NULL OR partner_id = %s ORDER BY code",
        (partner_id, partner_id),
    )
    return [currency(row) for row in await cur.fetchall()]


async def versions_of(conn: Conn, currency_ids: list[int]) -> dict[int, list[RuleSet]]:
    """Each currency's versions, the latest start first (the higher version on a tie)."""
    cur = await conn.execute(
        f"SELECT {_RULES} FROM conversion_rule_sets WHERE currency_id = ANY(%s)"
        " ORDER BY currency_id, effective_from DESC, version DESC",
        (currency_ids,),
    )
    found: dict[int, list[RuleSet]] = {currency_id: [] for currency_id in currency_ids}
    for row in await cur.fetchall():
        found[row["currency_id"]].append(rule_set(row))
    return found
