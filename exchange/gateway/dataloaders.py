"""Per-request DataLoaders: each batch of ids is one query (its own autocommit statement)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from strawberry.dataloader import DataLoader

from exchange.kit import clock
from exchange.kit.db import Conn, Pool, connection, transaction
from exchange.ledger import queries
from partners import burn_rule_store, earn_rule_versions, prepaid, registry
from partners.burn_rules.rule_sets import RuleSet
from partners.earn_rules.rule_sets import RuleSet as EarnRuleSet

from .auth import Principal

T = TypeVar("T")
M = TypeVar("M", queries.Transaction, queries.HoldView)
Fetch = Callable[[Conn, list[int]], Awaitable[dict[int, T]]]
PriceKey = tuple[int, int]
"""A partner's id and how many of its latest prices."""


def _loader(pool: Pool, fetch: Fetch[T]) -> DataLoader[int, T | None]:
    async def load(ids: list[int]) -> Sequence[T | None]:
        async with connection(pool) as conn:
            found = await fetch(conn, ids)
        return [found.get(key) for key in ids]

    return DataLoader(load_fn=load)


class Loaders:
    """Members, transactions, holds, partners, their prices, prepaid allowances and earn
    rules, as the principal may see them."""

    def __init__(self, pool: Pool, principal: Principal) -> None:
        # a member sees its own member, transactions and holds, and every partner by name
        own = principal.member_id
        scope = None if own is not None else principal.scope

        def mine(found: dict[int, M]) -> dict[int, M]:
            return {i: row for i, row in found.items() if own is None or row.member_id == own}

        async def members(conn: Conn, ids: list[int]) -> dict[int, queries.MemberSummary]:
            ids = [i for i in ids if own is None or i == own]
            return await queries.member_summaries(conn, ids, partner_id=scope, now=clock.now())

        async def transactions(conn: Conn, ids: list[int]) -> dict[int, queries.Transaction]:
            return mine(await queries.transactions_by_id(conn, ids, partner_id=scope))

        async def holds(conn: Conn, ids: list[int]) -> dict[int, queries.HoldView]:
            return mine(await queries.holds_by_id(conn, ids, partner_id=scope))

        async def partners(conn: Conn, ids: list[int]) -> dict[int, registry.Partner]:
            visible = [i for i in ids if scope is None or i == scope]
            return await registry.partners_by_id(conn, visible) if visible else {}

        async def allowances(conn: Conn, ids: list[int]) -> dict[int, prepaid.Allowance]:
            visible = [i for i in ids if own is None and (scope is None or i == scope)]
            return await prepaid.allowances_of(conn, visible) if visible else {}

        async def earn_rules(conn: Conn, ids: list[int]) -> dict[int, list[EarnRuleSet]]:
            visible = [i for i in ids if own is None and (scope is None or i == scope)]
            return await earn_rule_versions.versions_of(conn, visible) if visible else {}

        async def details(conn: Conn, ids: list[int]) -> dict[int, queries.EntryDetails]:
            """Only asked for the transactions loaded above (already scoped)."""
            return await queries.details_by_id(conn, ids)

        self.details = _loader(pool, details)
        self.members = _loader(pool, members)
        self.transactions = _loader(pool, transactions)
        self.holds = _loader(pool, holds)
        self.partners = _loader(pool, partners)
        self.prepaid = _loader(pool, allowances)
        self.earn_rules = _loader(pool, earn_rules)

        async def prices(keys: list[PriceKey]) -> Sequence[list[registry.Price] | None]:
            """Price lists by (partner, first): staff see all, a partner only its own."""
            found: dict[PriceKey, list[registry.Price]] = {}
            async with transaction(pool) as conn:
                for first in sorted({first for _, first in keys}):
                    ids = sorted(
                        {i for i, n in keys if n == first and own is None and scope in (None, i)}
                    )
                    if ids:
                        lists = await registry.prices_of(conn, ids, first=first)
                        found.update({(i, first): rows for i, rows in lists.items()})
            return [found.get(key) for key in keys]

        self.prices = DataLoader(load_fn=prices)

        async def burn_rules(keys: list[PriceKey]) -> Sequence[list[RuleSet] | None]:
            """Burn rule versions by (partner, first): staff see all, a partner only its own."""
            found: dict[PriceKey, list[RuleSet]] = {}
            async with transaction(pool) as conn:
                for first in sorted({first for _, first in keys}):
                    ids = sorted(
                        {i for i, n in keys if n == first and own is None and scope in (None, i)}
                    )
                    if ids:
                        lists = await burn_rule_store.versions_of(conn, ids, first=first)
                        found.update({(i, first): rows for i, rows in lists.items()})
            return [found.get(key) for key in keys]

        self.burn_rules = DataLoader(load_fn=burn_rules)
