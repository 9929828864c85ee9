"""Partners' burn rule versions in the database (migration 0015): an admin adds one, staff and
the partner read them. The evaluation is pure (``partners.burn_rules``); the hot path reads
versions through ``partners.burn_terms``, which a new version's NOTIFY refreshes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency
from partners import registry
from partners.burn_rules.rule_sets import RuleSet, Terms

_COLUMNS = (
    "id, partner_id, version, effective_from, accepts_redemption, point_value,"
    " max_basket_share, minimum_basket, minimum_points, created_at"
)


def rule_set(row: dict[str, Any]) -> RuleSet:
    return RuleSet(
        id=row["id"],
        partner_id=row["partner_id"],
        version=row["version"],
        effective_from=row["effective_from"],
        terms=Terms(
            accepts_redemption=row["accepts_redemption"],
            point_value=row["point_value"],
            max_basket_share=row["max_basket_share"],
            minimum_basket=row["minimum_basket"],
            minimum_points=row["minimum_points"],
        ),
        created_at=row["created_at"],
    )


def _request(code: str, effective_from: datetime | None, terms: Terms) -> dict[str, Any]:
    """The input an idempotency key is bound to (as given: an absent start stays absent)."""
    return {
        "partnerCode": code,
        "effectiveFrom": effective_from,
        "acceptsRedemption": terms.accepts_redemption,
        "pointValue": terms.point_value,
        "maxBasketShare": terms.max_basket_share,
        "minimumBasket": terms.minimum_basket,
        "minimumPoints": terms.minimum_points,
    }


async def _check_unused(conn: Conn, partner_id: int, effective_from: datetime) -> None:
    """A version may not start before a burn the partner already posted under another."""
    cur = await conn.execute(
        "SELECT max(posted_at) AS last FROM journal_entries"
        " WHERE posted_at >= %s AND partner_id = %s AND kind = 'BURN'",
        (effective_from, partner_id),
    )
    used = await cur.fetchone()
    if used is not None and used["last"] is not None:
        raise InvalidInput(
            "the burn rules in force at effectiveFrom were already used by a burn at"
            f" {used['last'].isoformat()}; effectiveFrom must be later",
            field=["effectiveFrom"],
        )


async def add_version(
    conn: Conn,
    *,
    code: str,
    effective_from: datetime | None,
    terms: Terms,
    currency: str,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> RuleSet:
    """A new version of the partner's burn rules, in force from ``effective_from`` (default
    now; at most ``registry.BACKDATE_LIMIT`` ago). The partner's row is locked: versions are
    numbered in turn. The same key and input again returns the version it added."""
    request = _request(code, effective_from, terms)
    done = await idempotency.claim(
        conn, caller=caller, key=key, operation="setBurnRules", request=request
    )
    if done is not None:
        return await _version(conn, int(done["rule_set_id"]))
    start = now if effective_from is None else effective_from
    if start < now - registry.BACKDATE_LIMIT:
        raise InvalidInput(
            "effectiveFrom may not be in the past: rules already used never change",
            field=["effectiveFrom"],
        )
    partner = await registry.lock_partner(conn, code)
    if start < now:
        await _check_unused(conn, partner.id, start)
    found = await _insert(conn, partner.id, start, terms, currency, actor, now)
    await idempotency.store(conn, caller=caller, key=key, response={"rule_set_id": found.id})
    return found


async def _insert(
    conn: Conn,
    partner_id: int,
    start: datetime,
    terms: Terms,
    currency: str,
    actor: str,
    now: datetime,
) -> RuleSet:
    cur = await conn.execute(
        "INSERT INTO burn_rule_sets (partner_id, version, effective_from, accepts_redemption,"
        " point_value, max_basket_share, minimum_basket, minimum_points, currency, created_at,"
        " created_by) SELECT %(partner)s, coalesce(max(version), 0) + 1, %(start)s,"
        " %(accepts)s, %(value)s, %(share)s, %(basket)s, %(points)s, %(currency)s, %(now)s,"
        f" %(actor)s FROM burn_rule_sets WHERE partner_id = %(partner)s RETURNING {_COLUMNS}",
        {
            "partner": partner_id,
            "start": start,
            "accepts": terms.accepts_redemption,
            "value": terms.point_value,
            "share": terms.max_basket_share,
            "basket": terms.minimum_basket,
            "points": terms.minimum_points,
            "currency": currency,
            "now": now,
            "actor": actor,
        },
    )
    row = await cur.fetchone()
    assert row is not None
    return rule_set(row)


async def _version(conn: Conn, rule_set_id: int) -> RuleSet:
    cur = await conn.execute(f"SELECT {_COLUMNS} FROM burn_rule_sets WHERE id = %s", (rule_set_id,))
    row = await cur.fetchone()
    assert row is not None, "versions are never deleted"
    return rule_set(row)


async def versions_of(
    conn: Conn, partner_ids: list[int], *, first: int | None = None
) -> dict[int, list[RuleSet]]:
    """Each partner's versions, the latest start first (the higher version first on a tie);
    its ``first`` latest when given."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM (SELECT *, row_number() OVER (PARTITION BY partner_id"
        "   ORDER BY effective_from DESC, version DESC) AS n FROM burn_rule_sets"
        "  WHERE partner_id = ANY(%s)) ranked WHERE %s::bigint IS NULL OR n <= %s"
        " ORDER BY partner_id, effective_from DESC, version DESC",
        (partner_ids, first, first),
    )
    found: dict[int, list[RuleSet]] = {partner_id: [] for partner_id in partner_ids}
    for row in await cur.fetchall():
        found[row["partner_id"]].append(rule_set(row))
    return found
