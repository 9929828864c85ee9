"""The contract's fuel station with a campaign x2 on shop goods and the Gold tier on top, on
PostgreSQL end to end: per line, rate x tier x campaign, one floor per line; the EARN keeps
the rules' 11 points and the tier, the campaign's BONUS the 6 it adds; a return of the shop
line takes back 5 at the tier's rate and the campaign's 6. In a database of its own (a tier
ladder is program-wide)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from campaign_support import Campaigns
from ledger_support import audit_failures
from tier_support import Program

from exchange.kit.db import Pool, transaction
from partners import campaign_cache, earn_rule_cache, registry
from partners.campaigns.terms import Targets
from partners.rules import Line


@pytest.fixture
def program(fresh_pool: Pool) -> Program:
    earn_rule_cache.forget()  # partner ids repeat from one database of its own to the next
    campaign_cache.forget()
    return Program(fresh_pool)


async def test_a_gold_member_earns_the_campaign_on_top_of_the_tier(program: Program) -> None:
    campaigns = Campaigns(program.pool)
    await program.ladder()
    fuel = await program.partner()
    async with transaction(program.pool) as conn:
        code = (await registry.get_partner(conn, partner_id=fuel)).code
    await campaigns.fuel_rules(fuel, code)
    member = await program.member(fuel)
    await program.ledger.earn(member, fuel, points=5000, now=datetime.now(UTC) - timedelta(days=1))
    await campaigns.create(
        {fuel}, targets=Targets(partner_ids=frozenset({fuel}), categories=("shop",))
    )

    earned = await campaigns.buy(member, fuel)

    kept = await campaigns.details(earned)
    # rules with the tier: fuel floor(45.00 x 0.1 x 1.5 = 6.75) = 6, shop floor(5.625) = 5
    assert kept["tier"]["name"] == "Gold"
    assert [(line["category"], line["points"]) for line in kept["lines"]] == [
        ("fuel", 6),
        ("shop", 5),
        ("gift_card", 0),
    ]
    assert earned.points == 11
    # the campaign: floor(12.50 x 0.3 x 1.5 x 2 = 11.25) = 11 on the shop line, 6 more
    [bonus] = await campaigns.bonuses(earned)
    assert bonus["points"] == 6
    assert kept["campaigns"][0]["parts"] == [
        {"categories": ["shop"], "amount": "12.50", "points": 6}
    ]

    back = await campaigns.give_back(earned, fuel, [Line("shop", Decimal("12.50"))])

    assert back.points == 5  # the shop line at the 1.5 it earned with
    [taken] = await campaigns.fetch(
        "SELECT points FROM journal_entries WHERE original_entry_id = %s", bonus["id"]
    )
    assert taken["points"] == 6
    async with transaction(program.pool) as conn:
        assert await audit_failures(conn) == []
