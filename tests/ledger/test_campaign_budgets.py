"""Campaign budgets and promo code limits under concurrency, on PostgreSQL: many earns at
once at the edge of a limit never give more than it allows (what remains is given, then
nothing; a promo code the limits leave nothing for is refused), the control group is the
one SQL and Python both derive, and an instant win's draw is the one anyone can re-check."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from campaign_support import Campaigns

from exchange.kit.db import Pool
from exchange.kit.ids import to_global_id
from exchange.ledger.outcome import Outcome
from partners.campaigns import control, draws
from partners.campaigns.errors import PromoCodeLimitReached
from partners.campaigns.terms import Kind, Limits

pytestmark = pytest.mark.slow


@pytest.fixture
def campaigns(pool: Pool) -> Campaigns:
    return Campaigns(pool)


async def given(campaigns: Campaigns, earns: list[Outcome]) -> list[int]:
    """What the campaign gave each earn (0: nothing), largest first."""
    found = []
    for earned in earns:
        found.append(sum(row["points"] for row in await campaigns.bonuses(earned)))
    return sorted(found, reverse=True)


async def test_concurrent_earns_at_the_edge_of_a_total_budget_never_overspend_it(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    members = [await make_member(fuel) for _ in range(20)]
    bonus = await campaigns.create(
        {fuel.id}, Kind.BONUS, points=30, limits=Limits(points_total=100)
    )

    earns = await asyncio.gather(*(campaigns.buy(member, fuel.id) for member in members))

    # 100 points: three whole bonuses of 30, then the 10 that remain, then nothing
    assert await given(campaigns, earns) == [30, 30, 30, 10] + [0] * 16
    budget = await campaigns.budget(bonus)
    assert (budget["points_given"], budget["uses"]) == (100, 4)
    limited = [
        kept.get("limitedBy")
        for earned in earns
        for kept in (await campaigns.details(earned))["campaigns"]
    ]
    assert limited.count("POINTS_TOTAL") == 17  # the 10 and the 16 nothings were cut


async def test_concurrent_earns_of_one_member_never_pass_its_limit(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    member = await make_member(fuel)
    await campaigns.create({fuel.id}, Kind.BONUS, points=30, limits=Limits(points_per_member=70))

    earns = await asyncio.gather(*(campaigns.buy(member, fuel.id) for _ in range(12)))

    assert await given(campaigns, earns) == [30, 30, 10] + [0] * 9


async def test_a_promo_code_used_at_once_by_many_is_used_at_most_its_limit(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    members = [await make_member(fuel) for _ in range(15)]
    code = f"FIVE{fuel.id}"
    welcome = await campaigns.create(
        {fuel.id}, Kind.BONUS, promo_code=code, limits=Limits(uses_total=5)
    )

    results = await asyncio.gather(
        *(campaigns.buy(member, fuel.id, promo_code=code) for member in members),
        return_exceptions=True,
    )

    posted = [r for r in results if isinstance(r, Outcome)]
    refused = [r for r in results if isinstance(r, PromoCodeLimitReached)]
    assert (len(posted), len(refused)) == (5, 10)
    assert refused[0].message == f"promo code {code}: it was used 5 times, its limit"
    assert await given(campaigns, posted) == [50] * 5
    assert (await campaigns.budget(welcome))["uses"] == 5


async def test_a_member_uses_a_promo_code_at_most_its_limit_per_member(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    member = await make_member(fuel)
    code = f"TWICE{fuel.id}"
    await campaigns.create({fuel.id}, Kind.BONUS, promo_code=code, limits=Limits(uses_per_member=2))

    results = await asyncio.gather(
        *(campaigns.buy(member, fuel.id, promo_code=code) for _ in range(6)),
        return_exceptions=True,
    )

    assert sum(isinstance(r, Outcome) for r in results) == 2
    assert sum(isinstance(r, PromoCodeLimitReached) for r in results) == 4


async def test_the_control_group_is_held_out_recorded_and_the_same_in_sql(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    members = [await make_member(fuel) for _ in range(16)]
    half = await campaigns.create({fuel.id}, Kind.BONUS, control_percent=Decimal(50))
    [seed] = await campaigns.fetch("SELECT seed FROM campaigns WHERE id = %s", half.campaign.id)

    earns = [await campaigns.buy(member, fuel.id) for member in members]

    expected = {m: control.held_out(bytes(seed["seed"]), m, Decimal(50)) for m in members}
    assert 0 < sum(expected.values()) < len(members)  # all 16 on one side: 1 in 32,768
    for member, earned in zip(members, earns, strict=True):
        [kept] = (await campaigns.details(earned))["campaigns"]
        bonuses = await campaigns.bonuses(earned)
        assert kept.get("heldOut", False) == expected[member]
        assert [b["points"] for b in bonuses] == ([] if expected[member] else [50])
    rows = await campaigns.fetch(
        "SELECT member_id, control, campaign_control(c.seed, member_id, 50) AS in_sql"
        " FROM campaign_members m JOIN campaigns c ON c.id = m.campaign_id"
        " WHERE m.campaign_id = %s",
        half.campaign.id,
    )
    assert {row["member_id"]: row["control"] for row in rows} == expected
    assert all(row["control"] == row["in_sql"] for row in rows)


async def test_an_instant_win_is_drawn_from_the_seed_and_the_transaction_id(
    campaigns: Campaigns, make_partner, make_member, audited
) -> None:
    fuel = await make_partner()
    member = await make_member(fuel)
    lucky = await campaigns.create(
        {fuel.id}, Kind.INSTANT_WIN, points=40, limits=Limits(points_total=120)
    )
    [seed] = await campaigns.fetch("SELECT seed FROM campaigns WHERE id = %s", lucky.campaign.id)

    earns = [await campaigns.buy(member, fuel.id) for _ in range(24)]

    won = 0
    for earned in earns:
        [kept] = (await campaigns.details(earned))["campaigns"]
        transaction = to_global_id("Transaction", earned.transaction_id or 0)
        drawn = draws.draw(bytes(seed["seed"]), transaction, lucky.terms.chance)  # type: ignore[arg-type]
        assert kept["draw"] == {"value": drawn.value, "won": drawn.won}
        prize = [b["points"] for b in await campaigns.bonuses(earned)]
        if drawn.won and won < 3:
            assert prize == [40]
            won += 1
        else:  # lost, or the 120-point budget had no whole prize left
            assert prize == []
    assert (await campaigns.budget(lucky))["points_given"] == 40 * won
