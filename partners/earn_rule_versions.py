"""A partner's earn rule versions in the database (``earn_rule_sets``, migration 0014).

Versions are only ever added: ``setEarnRules`` (or ``exchange partners earn-rules``) adds
the next one, never before now (less ``BACKDATE_LIMIT`` for clock skew) nor at or before an
earn of the partner already posted, so an earn's version never changes under it. The
partner's row is locked while a version is added: versions are numbered without gaps.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from psycopg.types.json import Jsonb

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency
from partners.earn_rules.rule_sets import CategoryRate, RuleSet, Terms
from partners.errors import PartnerNotFound

BACKDATE_LIMIT = timedelta(minutes=5)
"""How far in the past a new version may take effect (clock skew between caller and server)."""
_COLUMNS = (
    "id, partner_id, version, effective_from, base_rate, category_rates, excluded_categories,"
    " minimum_purchase, cap_per_transaction, cap_per_member_per_day, created_at"
)


@dataclass(frozen=True)
class NewVersion:
    partner_code: str
    effective_from: datetime | None
    """None: now (a retry with the same key means the same now, not a later one)."""
    terms: Terms

    def request(self) -> dict[str, Any]:
        """The input an idempotency key is bound to."""
        terms = self.terms
        return {
            "partnerCode": self.partner_code,
            "effectiveFrom": self.effective_from,
            "baseRate": terms.base_rate,
            "categoryRates": [[rate.category, rate.rate] for rate in terms.category_rates],
            "excludedCategories": list(terms.excluded_categories),
            "minimumPurchase": terms.minimum_purchase,
            "capPerTransaction": terms.cap_per_transaction,
            "capPerMemberPerDay": terms.cap_per_member_per_day,
        }


def _rule_set(row: dict[str, Any]) -> RuleSet:
    rates = tuple(CategoryRate(r["category"], Decimal(r["rate"])) for r in row["category_rates"])
    terms = Terms(
        base_rate=row["base_rate"],
        category_rates=rates,
        excluded_categories=tuple(row["excluded_categories"]),
        minimum_purchase=row["minimum_purchase"],
        cap_per_transaction=row["cap_per_transaction"],
        cap_per_member_per_day=row["cap_per_member_per_day"],
    )
    return RuleSet(
        id=row["id"],
        partner_id=row["partner_id"],
        version=row["version"],
        effective_from=row["effective_from"],
        terms=terms,
        created_at=row["created_at"],
    )


async def versions_of(conn: Conn, partner_ids: list[int]) -> dict[int, list[RuleSet]]:
    """Every version of each partner, the latest version first."""
    cur = await conn.execute(
        f"SELECT {_COLUMNS} FROM earn_rule_sets WHERE partner_id = ANY(%s)"
        " ORDER BY partner_id, version DESC",
        (partner_ids,),
    )
    found: dict[int, list[RuleSet]] = {partner_id: [] for partner_id in partner_ids}
    for row in await cur.fetchall():
        found[row["partner_id"]].append(_rule_set(row))
    return found


async def _insert(
    conn: Conn, partner_id: int, version: int, effective_from: datetime, terms: Terms, **by: Any
) -> RuleSet:
    rates = [{"category": r.category, "rate": format(r.rate, "f")} for r in terms.category_rates]
    cur = await conn.execute(
        "INSERT INTO earn_rule_sets (partner_id, version, effective_from, base_rate,"
        " category_rates, excluded_categories, minimum_purchase, cap_per_transaction,"
        " cap_per_member_per_day, created_at, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
        f" RETURNING {_COLUMNS}",
        (
            partner_id,
            version,
            effective_from,
            terms.base_rate,
            Jsonb(rates),
            list(terms.excluded_categories),
            terms.minimum_purchase,
            terms.cap_per_transaction,
            terms.cap_per_member_per_day,
            by["now"],
            by["actor"],
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return _rule_set(row)


async def add_first(conn: Conn, partner_id: int, base_rate: Decimal, *, now: datetime) -> RuleSet:
    """A new partner's version 1: its flat earn rate, from its creation on."""
    terms = Terms(base_rate=base_rate)
    return await _insert(conn, partner_id, 1, now, terms, now=now, actor="createPartner")


async def _lock_partner(conn: Conn, code: str) -> int:
    cur = await conn.execute("SELECT id FROM partners WHERE code = %s FOR UPDATE", (code,))
    row = await cur.fetchone()
    if row is None:
        raise PartnerNotFound(f"no partner with code {code}", field=["partnerCode"])
    partner_id: int = row["id"]
    return partner_id


async def _check_unused(conn: Conn, partner_id: int, effective_from: datetime) -> None:
    """No earn of the partner at or after ``effective_from`` was priced yet."""
    cur = await conn.execute(
        "SELECT max(occurred_at) AS last FROM journal_entries"
        " WHERE partner_id = %s AND kind = 'EARN' AND occurred_at >= %s",
        (partner_id, effective_from),
    )
    used = await cur.fetchone()
    if used is not None and used["last"] is not None:
        raise InvalidInput(
            "an earn at"
            f" {used['last'].isoformat()} was already priced with the rules in force then;"
            " effectiveFrom must be later",
            field=["effectiveFrom"],
        )


async def _by_id(conn: Conn, rule_set_id: int) -> RuleSet:
    cur = await conn.execute(f"SELECT {_COLUMNS} FROM earn_rule_sets WHERE id = %s", (rule_set_id,))
    row = await cur.fetchone()
    assert row is not None, "versions are never deleted"
    return _rule_set(row)


async def add_version(
    conn: Conn, new: NewVersion, *, caller: str, key: str | None, actor: str, now: datetime
) -> RuleSet:
    """The partner's next version, in force from ``new.effective_from`` (None: now). With a
    key already used for the same input, the version it added (nothing more is added)."""
    if key is not None:
        done = await idempotency.claim(
            conn, caller=caller, key=key, operation="setEarnRules", request=new.request()
        )
        if done is not None:
            return await _by_id(conn, int(done["rule_set_id"]))
    effective_from = new.effective_from or now
    if effective_from < now - BACKDATE_LIMIT:
        raise InvalidInput(
            "effectiveFrom may not be in the past: earns already priced never change",
            field=["effectiveFrom"],
        )
    partner_id = await _lock_partner(conn, new.partner_code)
    await _check_unused(conn, partner_id, effective_from)
    cur = await conn.execute(
        "SELECT coalesce(max(version), 0) + 1 AS next FROM earn_rule_sets WHERE partner_id = %s",
        (partner_id,),
    )
    row = await cur.fetchone()
    assert row is not None
    added = await _insert(
        conn, partner_id, row["next"], effective_from, new.terms, now=now, actor=actor
    )
    if key is not None:
        await idempotency.store(conn, caller=caller, key=key, response={"rule_set_id": added.id})
    return added


async def earned_between(
    conn: Conn, member_id: int, partner_id: int, start: datetime, end: datetime
) -> int:
    """Points the member earned at the partner in [start, end) of business time (what the cap
    per member per day counts; the earn itself counts again under the member's lock)."""
    cur = await conn.execute(
        "SELECT earned_between(%s, %s, %s, %s) AS earned", (member_id, partner_id, start, end)
    )
    row = await cur.fetchone()
    assert row is not None
    earned: int = row["earned"]
    return earned
