"""Campaigns driven through the partners layer (no HTTP): the fuel station's rules, campaigns
created as an admin would, purchases priced and posted by ``partners.purchases``, and what
they wrote, read back."""

from __future__ import annotations

import itertools
import secrets
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ledger_support import new_key

from exchange.kit.db import Pool, connection, transaction
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.outcome import Outcome, Request
from partners import campaign_cache, earn_rule_versions, purchases, returns
from partners.campaigns import writing
from partners.campaigns.terms import Chance, Funder, Kind, Limits, Targets, Terms, Version
from partners.earn_rules.rule_sets import CategoryRate
from partners.earn_rules.rule_sets import Terms as RuleTerms
from partners.rules import Line

_codes = itertools.count(1)
FUEL_RULES = RuleTerms(
    base_rate=Decimal("0.05"),
    category_rates=(CategoryRate("fuel", Decimal("0.1")), CategoryRate("shop", Decimal("0.3"))),
    excluded_categories=("gift_card",),
)
BASKET = [
    Line("fuel", Decimal("45.00")),
    Line("shop", Decimal("12.50")),
    Line("gift_card", Decimal("20.00")),
]


def code(prefix: str = "C") -> str:
    return f"{prefix}{next(_codes)}X{secrets.token_hex(3).upper()}"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Campaigns:
    pool: Pool

    async def fuel_rules(self, partner_id: int, partner_code: str) -> None:
        async with transaction(self.pool) as conn:
            await earn_rule_versions.add_version(
                conn,
                earn_rule_versions.NewVersion(partner_code, None, FUEL_RULES),
                caller="admin",
                key=None,
                actor="test",
                now=now() - timedelta(minutes=4),
            )

    async def create(
        self,
        partner_ids: set[int],
        kind: Kind = Kind.MULTIPLIER,
        *,
        promo_code: str | None = None,
        forget: bool = True,
        **changes: Any,
    ) -> Version:
        """A campaign running from a day ago for a month (x2 on every line, 50 points, or a
        1 in 4 chance of 50 points), funded by the partner, at ``partner_ids``."""
        terms = Terms(
            name=f"{kind.value.title()} campaign",
            kind=kind,
            starts_at=now() - timedelta(days=1),
            ends_at=now() + timedelta(days=30),
            funder=Funder.PARTNER,
            factor=Decimal(2) if kind is Kind.MULTIPLIER else None,
            points=None if kind is Kind.MULTIPLIER else 50,
            chance=Chance(1, 4) if kind is Kind.INSTANT_WIN else None,
            targets=Targets(partner_ids=frozenset(partner_ids)),
        )
        terms = replace(terms, **changes)
        asked = writing.Asked("admin", new_key("campaign"), "test", {"n": new_key()})
        async with transaction(self.pool) as conn:
            created = await writing.create(conn, code(), promo_code, terms, asked=asked, now=now())
        if forget:
            campaign_cache.forget()
        return created

    async def change(self, version: Version, **changes: Any) -> Version:
        asked = writing.Asked("admin", new_key("change"), "test", {"n": new_key()})
        async with transaction(self.pool) as conn:
            changed = await writing.change(
                conn,
                version.campaign.code,
                lambda latest: replace(latest.terms, **changes),
                effective_from=None,
                asked=asked,
                operation="updateCampaign",
                now=now(),
            )
        campaign_cache.forget()
        return changed

    async def buy(
        self,
        member_id: int,
        partner_id: int,
        lines: list[Line] | None = None,
        *,
        promo_code: str | None = None,
        key: str | None = None,
        amount: str | None = None,
    ) -> Outcome:
        """A purchase of ``lines`` (None: the fuel station's basket) for ``amount`` (None: what
        the lines cost)."""
        basket = BASKET if lines is None else lines
        paid = (
            sum((line.amount for line in basket), Decimal(0)) if amount is None else Decimal(amount)
        )
        money = Money(paid, "EUR")
        at = now()
        body = purchases.purchase_body(member_id, None, money, basket, None, promo_code)
        request = Request(f"partner:{partner_id}", key or new_key("earn"), "earnPoints", body)
        async with connection(self.pool) as conn:
            return await purchases.earn_purchase(
                conn,
                request,
                partner_id=partner_id,
                member_id=member_id,
                money=money,
                lines=basket,
                order_id="order-1",
                occurred_at=at,
                now=at,
                promo_code=promo_code,
            )

    async def give_back(
        self, earn: Outcome, partner_id: int, lines: list[Line] | None = None
    ) -> Outcome:
        """Return the lines (None: what is left of the purchase)."""
        request = Request(f"partner:{partner_id}", new_key("rev"), "reverseEarn", {})
        assert earn.transaction_id is not None
        async with transaction(self.pool) as conn:
            return await earning.reverse_earn(
                conn,
                request,
                partner_id=partner_id,
                transaction_id=earn.transaction_id,
                amount=None,
                now=now(),
                priced=None if lines is None else returns.lines_pricer(lines),
                linked=returns.campaign_points,
            )

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        async with transaction(self.pool) as conn:
            cur = await conn.execute(sql, args)
            return list(await cur.fetchall())

    async def bonuses(self, earn: Outcome) -> list[dict[str, Any]]:
        """The BONUS entries posted with the earn, with their lot and counter posting."""
        return await self.fetch(
            "SELECT e.id, e.partner_id, e.points, e.reason, e.details, e.prepaid,"
            " l.issuer_partner_id, l.points AS lot_points, a.kind AS counter"
            " FROM journal_entries e JOIN lots l ON l.entry_id = e.id"
            " JOIN postings p ON p.entry_id = e.id AND p.points < 0"
            " JOIN accounts a ON a.id = p.account_id"
            " WHERE e.original_entry_id = %s AND e.kind = 'BONUS' ORDER BY e.id",
            earn.transaction_id,
        )

    async def details(self, earn: Outcome) -> dict[str, Any]:
        [row] = await self.fetch(
            "SELECT details FROM journal_entries WHERE id = %s", earn.transaction_id
        )
        found: dict[str, Any] = row["details"]
        return found

    async def budget(self, version: Version) -> dict[str, Any]:
        [row] = await self.fetch(
            "SELECT * FROM campaign_budgets WHERE campaign_id = %s", version.campaign.id
        )
        return row

    async def limits(self, version: Version, limits: Limits) -> Version:
        return await self.change(version, limits=limits)
