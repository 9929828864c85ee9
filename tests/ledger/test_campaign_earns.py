"""Campaigns at an earn, on PostgreSQL: the fuel station's basket with a campaign x2 on shop
goods (1 point per 10 EUR of fuel, 3 per 10 of shop goods, gift cards nothing), the BONUS
entry of the funding partner or of the operator, returns undoing exactly the campaign points
of the returned lines, prepaid partners, a campaign created in another process, and the
ledger invariants after each."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from campaign_support import BASKET, Campaigns, now

from exchange.kit.db import Pool, transaction
from exchange.kit.money import Money
from exchange.ledger import members
from exchange.ledger.outcome import Request
from partners import campaign_cache, prepaid, purchases, registry
from partners.campaigns import segments
from partners.campaigns.terms import Funder, Kind, Targets
from partners.rules import Line


@pytest.fixture
def campaigns(pool: Pool) -> Campaigns:
    return Campaigns(pool)


async def fuel_station(campaigns: Campaigns, make_partner, **kinds: object):  # type: ignore[no-untyped-def]
    partner = await make_partner(**kinds)
    await campaigns.fuel_rules(partner.id, partner.code)
    return partner


async def test_a_campaign_x2_on_shop_goods_gives_a_bonus_entry_of_the_partner(
    campaigns: Campaigns, pool: Pool, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    double_shop = await campaigns.create(
        {fuel.id}, targets=Targets(partner_ids=frozenset({fuel.id}), categories=("shop",))
    )

    earned = await campaigns.buy(member, fuel.id)

    # the rules: fuel floor(45.00 x 0.1) = 4, shop floor(12.50 x 0.3) = 3, gift card 0
    assert earned.points == 7
    # the campaign: floor(12.50 x 0.3 x 2) = 7 on the shop line, 4 more than its 3
    [bonus] = await campaigns.bonuses(earned)
    assert (bonus["points"], bonus["partner_id"], bonus["issuer_partner_id"]) == (
        4,
        fuel.id,
        fuel.id,
    )
    assert bonus["counter"] == "PARTNER_ISSUED"
    assert bonus["reason"] == f"Multiplier campaign (campaign {double_shop.campaign.code})"
    [kept] = (await campaigns.details(earned))["campaigns"]
    assert kept["wanted"] == kept["points"] == 4
    assert kept["entry"] == bonus["id"]
    assert kept["parts"] == [{"categories": ["shop"], "amount": "12.50", "points": 4}]
    assert kept["versionId"] == double_shop.id
    [row] = await campaigns.fetch(
        "SELECT control, points, uses FROM campaign_members WHERE campaign_id = %s",
        double_shop.campaign.id,
    )
    assert row == {"control": False, "points": 4, "uses": 1}
    [balance] = await campaigns.fetch(
        "SELECT balance FROM member_balances WHERE member_id = %s", member
    )
    assert balance["balance"] == 11


async def test_the_operator_funds_its_campaigns_from_its_bonus_account(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    await campaigns.create({fuel.id}, Kind.BONUS, funder=Funder.OPERATOR)

    earned = await campaigns.buy(member, fuel.id)

    [bonus] = await campaigns.bonuses(earned)
    assert (bonus["points"], bonus["partner_id"], bonus["issuer_partner_id"]) == (50, None, None)
    assert bonus["counter"] == "OPERATOR_BONUS"


async def test_a_return_undoes_exactly_the_campaign_points_of_the_returned_lines(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    await campaigns.create(
        {fuel.id}, targets=Targets(partner_ids=frozenset({fuel.id}), categories=("shop",))
    )
    await campaigns.create({fuel.id}, Kind.BONUS, funder=Funder.OPERATOR)
    earned = await campaigns.buy(member, fuel.id)  # 7 + 4 (x2 shop) + 50 (bonus)

    fuel_back = await campaigns.give_back(earned, fuel.id, [Line("fuel", Decimal("45.00"))])
    shop_back = await campaigns.give_back(earned, fuel.id, [Line("shop", Decimal("12.50"))])
    rest = await campaigns.give_back(earned, fuel.id)

    # fuel: its 4 points; nothing of the shop campaign; the bonus in proportion to its lines,
    # floor(50 x 45.00 / 57.50) = 39
    assert fuel_back.points == 4
    taken = await campaigns.fetch(
        "SELECT r.original_entry_id, r.points, r.partner_id FROM journal_entries r"
        " JOIN journal_entries b ON b.id = r.original_entry_id AND b.kind = 'BONUS'"
        " WHERE b.original_entry_id = %s ORDER BY r.id",
        earned.transaction_id,
    )
    multiplier, bonus = (row["id"] for row in await campaigns.bonuses(earned))
    assert [(row["original_entry_id"], row["points"]) for row in taken] == [
        (bonus, 39),  # with the fuel
        (multiplier, 4),  # with the shop line: all of the shop campaign
        (bonus, 11),  # the rest of the bonus when the gift card goes back
    ]
    assert (shop_back.points, rest.points) == (3, 0)
    [balance] = await campaigns.fetch(
        "SELECT balance FROM member_balances WHERE member_id = %s", member
    )
    assert balance["balance"] == 0
    statuses = await campaigns.fetch(
        "SELECT e.kind, (SELECT sum(points) FROM journal_entries r WHERE r.original_entry_id"
        " = e.id) AS back, e.points FROM journal_entries e WHERE e.original_entry_id = %s"
        " AND e.kind = 'BONUS'",
        earned.transaction_id,
    )
    assert all(row["back"] == row["points"] for row in statuses)


async def test_a_prepaid_partner_draws_its_campaign_points_from_its_blocks(
    campaigns: Campaigns, pool: Pool, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    async with transaction(pool) as conn:
        await prepaid.set_billing(conn, code=fuel.code, billing="PREPAID", credit_limit_points=0)
        block = prepaid.NewBlock(fuel.code, 100, Decimal("0.009"), "EUR", "block-1")
        await prepaid.record_block(conn, block, caller="admin", key=None, actor="t", now=now())
    member = await make_member(fuel)
    await campaigns.create({fuel.id}, Kind.BONUS, points=60)

    earned = await campaigns.buy(member, fuel.id)
    assert earned.points == 7
    [allowance] = await campaigns.fetch(
        "SELECT points_drawn FROM prepaid_allowances WHERE partner_id = %s", fuel.id
    )
    assert allowance["points_drawn"] == 67
    await campaigns.give_back(earned, fuel.id)
    [allowance] = await campaigns.fetch(
        "SELECT points_drawn FROM prepaid_allowances WHERE partner_id = %s", fuel.id
    )
    assert allowance["points_drawn"] == 0


async def test_a_campaign_created_in_another_process_applies_to_the_next_earn(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    await campaigns.buy(member, fuel.id)  # this process now caches the campaigns

    await campaigns.create({fuel.id}, Kind.BONUS, forget=False)  # as another process would
    earned = await campaigns.buy(member, fuel.id)

    [bonus] = await campaigns.bonuses(earned)
    assert bonus["points"] == 50


async def test_a_campaign_ended_or_changed_applies_from_the_change_on(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    bonus = await campaigns.create({fuel.id}, Kind.BONUS)
    first = await campaigns.buy(member, fuel.id)
    await campaigns.change(bonus, points=80)
    second = await campaigns.buy(member, fuel.id)
    await campaigns.change(bonus, ends_at=now() - timedelta(seconds=1))
    third = await campaigns.buy(member, fuel.id)

    assert [[b["points"] for b in await campaigns.bonuses(e)] for e in (first, second, third)] == [
        [50],
        [80],
        [],
    ]
    versions = [(await campaigns.details(e))["campaigns"][0]["version"] for e in (first, second)]
    assert versions == [1, 2]


async def test_an_unknown_promo_code_leaves_the_cached_campaigns_alone_when_it_exists(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await fuel_station(campaigns, make_partner)
    member = await make_member(fuel)
    await campaigns.buy(member, fuel.id)
    welcome = await campaigns.create({fuel.id}, Kind.BONUS, promo_code=f"W{fuel.id}", forget=False)

    earned = await campaigns.buy(member, fuel.id, promo_code=welcome.campaign.promo_code)

    [bonus] = await campaigns.bonuses(earned)
    assert bonus["reason"] == f"Bonus campaign (promo code W{fuel.id})"
    assert len(BASKET) == 3
    assert campaign_cache.TTL_SECONDS == 5


class Counting:
    """A connection that counts the statements run through it (round trips)."""

    def __init__(self, conn: object) -> None:
        self._conn = conn
        self.statements: list[str] = []

    def __getattr__(self, name: str) -> object:
        return getattr(self._conn, name)

    async def execute(self, query: str, *args: object, **kwargs: object) -> object:
        self.statements.append(query)
        return await self._conn.execute(query, *args, **kwargs)  # type: ignore[attr-defined]


async def _statements(pool: Pool, member: int, partner: int) -> list[str]:
    """The statements of one earn of 10.00 EUR, each as its first two words."""
    money = Money(Decimal("10.00"), "EUR")
    body = purchases.purchase_body(member, None, money, [], None)
    async with pool.connection() as conn:
        counting = Counting(conn)
        at = now()
        await purchases.earn_purchase(
            counting,  # type: ignore[arg-type]
            Request(f"partner:{partner}", f"count-{at.isoformat()}", "earnPoints", body),
            partner_id=partner,
            member_id=member,
            money=money,
            lines=[],
            order_id=None,
            occurred_at=at,
            now=at,
        )
    return [" ".join(statement.split("(")[0].split()[:2]) for statement in counting.statements]


def _partner(code: str) -> registry.NewPartner:
    return registry.NewPartner(
        code=code,
        name=code,
        earn_rate=Decimal(1),
        issue_price=Decimal("0.01"),
        redemption_value=Decimal("0.008"),
        currency="EUR",
        point_validity_days=365,
    )


async def test_an_earn_costs_one_statement_with_or_without_campaigns(
    fresh_pool: Pool,
) -> None:
    """In a database of its own (no tiers: no tier read), an earn is one round trip, the
    campaigns' generation checked inside it, at a partner with campaigns or without; one
    more only while a campaign at hand targets a segment (to read the member's)."""
    fresh = Campaigns(fresh_pool)
    async with transaction(fresh_pool) as conn:
        quiet, _ = await registry.create_partner(conn, _partner("QUIET"), now=now())
        busy, _ = await registry.create_partner(conn, _partner("BUSY"), now=now())
        member = await members.enroll(
            conn, enrolment=members.Enrolment(), partner_id=quiet.id, now=now()
        )
        await conn.execute(
            "INSERT INTO member_partner_links (member_id, partner_id) VALUES (%s, %s)",
            (member, busy.id),
        )
        vip = await segments.create(conn, "VIP", "VIPs", enrolled=None, actor="t", now=now())
    await fresh.create({busy.id}, Kind.BONUS)
    for partner in (quiet.id, busy.id):  # the caches are warm from here on
        await _statements(fresh_pool, member, partner)

    assert await _statements(fresh_pool, member, quiet.id) == ["SELECT ledger_earn"]
    assert await _statements(fresh_pool, member, busy.id) == ["SELECT ledger_earn"]
    await fresh.create(
        {busy.id}, Kind.BONUS, targets=Targets(partner_ids=frozenset({busy.id}), segment_id=vip.id)
    )
    await _statements(fresh_pool, member, quiet.id)
    assert await _statements(fresh_pool, member, quiet.id) == ["SELECT ledger_earn"]
    assert await _statements(fresh_pool, member, busy.id) == ["SELECT CASE", "SELECT ledger_earn"]
