"""Campaign cost and uplift in the program report, a worked example with every number: FUEL
gives 10 points a purchase to its VIP segment, holding half of it out. Of the 8 VIPs, 5 are
offered the campaign and 3 held out (as the campaign's seed decides); 4 of the 5 buy twice for
50.00 EUR, 2 of the 3 once. Treated: 400.00 EUR over 5 members, 80.00 each; control: 100.00
over 3, 33.33 each; uplift (400 x 3 - 100 x 5) / (100 x 5) = 140.0 %, incremental spend
(400 x 3 - 100 x 5) / 3 = 233.33 EUR; cost 8 bonuses of 10 points = 80 points at 0.010 =
0.80 EUR, so 291.67 EUR of incremental spend per euro of points. Over GraphQL, as CSV and on
the printable page."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from pathlib import Path

import httpx
import pytest
from settlement_support import Coalition
from test_settlement_api import Api, key_for
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.gateway.report_pages import stamp
from exchange.kit.db import transaction
from exchange.kit.settings import get_settings
from partners.campaigns import control, segments
from partners.campaigns.terms import Kind, Targets
from settlement import program, report_exports
from settlement.kpis import Period

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ledger"))
from campaign_support import Campaigns

TERMS = {"earn_rate": "1", "issue_price": "0.010", "redemption_value": "0.008"}
UPLIFT = (
    "query($from: DateTime!, $to: DateTime!) { programReport(from: $from, to: $to) {"
    " campaigns { code fundedBy controlGroupPercent pointsGiven cost { amount }"
    " rewardedMembers incrementalSpendPerCost uplift { upliftPercent incrementalSpend"
    " { amount } treated { members purchasers purchases spend { amount } spendPerMember"
    " { amount } } control { members purchasers purchases spendPerMember { amount } } } }"
    " campaignsCsvUrl htmlUrl } }"
)


async def vips(coalition: Coalition, fuel: int, seed: bytes) -> tuple[list[int], list[int]]:
    """5 members the seed offers the campaign and 3 it holds out (and others, in no segment)."""
    treated: list[int] = []
    held: list[int] = []
    while len(treated) < 5 or len(held) < 3:
        member = await coalition.member(fuel)
        group = held if control.held_out(seed, member, D(50)) else treated
        if len(group) < (3 if group is held else 5):
            group.append(member)
    return treated, held


async def test_the_program_report_weighs_a_campaign_against_its_control_group(
    coalition: Coalition,
    client: httpx.AsyncClient,
    fresh_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    fuel = await coalition.partner("FUEL", **TERMS)
    campaigns = Campaigns(coalition.pool)
    async with transaction(coalition.pool) as conn:
        vip = await segments.create(
            conn, "VIP", "VIPs", enrolled=None, actor="t", now=datetime.now(UTC)
        )
    bonus = await campaigns.create(
        {fuel},
        Kind.BONUS,
        points=10,
        control_percent=D(50),
        targets=Targets(partner_ids=frozenset({fuel}), segment_id=vip.id),
    )
    [row] = await campaigns.fetch("SELECT seed FROM campaigns WHERE id = %s", bonus.campaign.id)
    treated, held = await vips(coalition, fuel, bytes(row["seed"]))
    async with transaction(coalition.pool) as conn:
        await segments.add_members(conn, "VIP", [*treated, *held], datetime.now(UTC))
    for member in treated[:4]:
        for _ in range(2):
            await campaigns.buy(member, fuel, [], amount="50.00")
    for member in held[:2]:
        await campaigns.buy(member, fuel, [], amount="50.00")
    outsider = await coalition.member(fuel)  # in no segment: neither group
    await campaigns.buy(outsider, fuel, [], amount="70.00")
    period = Period(datetime.now(UTC) - timedelta(days=2), datetime.now(UTC) + timedelta(minutes=1))

    report = await program.program_report(coalition.pool, period)

    [result] = report.campaigns
    assert (result.points_given, result.cost_value, result.rewarded_members) == (80, D("0.8"), 4)
    uplift = result.uplift
    assert uplift is not None
    assert (uplift.treated.members, uplift.treated.purchasers, uplift.treated.purchases) == (
        5,
        4,
        8,
    )
    assert (uplift.control.members, uplift.control.purchasers, uplift.control.purchases) == (
        3,
        2,
        2,
    )
    assert (uplift.treated.spend, uplift.control.spend) == (D("400.00"), D("100.00"))
    assert uplift.uplift.percent() == D("140.0")
    assert uplift.incremental_spend.rounded(2) == D("233.33")
    assert result.incremental_spend_per_cost is not None
    assert result.incremental_spend_per_cost.rounded(2) == D("291.67")

    finance = Api(client, await key_for(coalition.pool, "finance"))
    found = (await finance.data(UPLIFT, {"from": stamp(period.start), "to": stamp(period.end)}))[
        "programReport"
    ]
    [shown] = found["campaigns"]
    assert shown["uplift"]["upliftPercent"] == "140.0"
    assert shown["uplift"]["incrementalSpend"] == {"amount": "233.33"}
    assert shown["uplift"]["treated"]["spendPerMember"] == {"amount": "80.00"}
    assert shown["uplift"]["control"]["spendPerMember"] == {"amount": "33.33"}
    assert (shown["pointsGiven"], shown["cost"], shown["incrementalSpendPerCost"]) == (
        80,
        {"amount": "0.80"},
        "291.67",
    )
    csv_text = (await client.get(found["campaignsCsvUrl"])).text
    header, line = csv_text.splitlines()
    row_of = dict(zip(header.split(","), line.split(","), strict=True))
    assert (row_of["campaign"], row_of["points_given"], row_of["cost"]) == (
        bonus.campaign.code,
        "80",
        "0.8",
    )
    assert (row_of["treated_spend_per_member"], row_of["control_spend_per_member"]) == (
        "80.00",
        "33.33",
    )
    assert (row_of["uplift_percent"], row_of["incremental_spend"]) == ("140.0", "233.33")
    page = (await client.get(found["htmlUrl"])).text
    assert "140.0 %" in page and "233.33 EUR" in page

    monkeypatch.setenv("EXCHANGE_DATABASE_URL", fresh_url)
    monkeypatch.setenv("COLUMNS", "200")
    get_settings.cache_clear()
    written = tmp_path / "campaigns.csv"
    command = ["report", "program", "--from", stamp(period.start), "--to", stamp(period.end)]
    shown = await asyncio.to_thread(
        CliRunner().invoke, app, [*command, "--campaigns", str(written)]
    )
    get_settings.cache_clear()
    assert shown.exit_code == 0, shown.output
    line = next(x for x in shown.output.splitlines() if x.strip().startswith(bonus.campaign.code))
    for said in ("80", "0.8 EUR", "5 / 3", "80.00 / 33.33", "140.0", "233.33 EUR"):
        assert said in line, (said, line)
    assert written.read_text() == csv_text
    assert report_exports.CAMPAIGN_COLUMNS[3] == "campaign"
