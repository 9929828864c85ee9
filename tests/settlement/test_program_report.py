"""The program report's figures on the worked example (program_support): per partner and for
the coalition, October 2026 against September; the cohort triangle over both months; an
empty ledger gives zeros."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal as D

import pytest
from program_support import NOV, OCT, SEP, worked_example
from settlement_support import Coalition

from exchange.kit.errors import InvalidInput
from settlement.kpis import check_period
from settlement.program import program_report


async def test_october_per_partner_and_for_the_coalition(coalition: Coalition) -> None:
    await worked_example(coalition)
    report = await program_report(coalition.pool, check_period(OCT, NOV))
    shop, cafe = sorted(report.partners, key=lambda f: f.partner_code or "", reverse=True)
    whole = report.coalition
    assert whole is not None and (shop.partner_code, cafe.partner_code) == ("SHOP", "CAFE")

    # issued net of reversals, at the issue price recorded on each earn
    assert (shop.points_issued, shop.issued_value) == (25, D("0.25"))  # 25 x 0.010
    assert (cafe.points_issued, cafe.issued_value) == (85, D("1.02"))  # (61+24+9-9) x 0.012
    assert (whole.points_issued, whole.issued_value) == (110, D("1.27"))
    assert (cafe.points_redeemed, cafe.redeemed_value) == (50, D("0.45"))  # 50 x 0.009
    assert (shop.points_redeemed, whole.points_redeemed) == (0, 50)
    assert (cafe.points_expired, cafe.breakage_value) == (20, D("0.24"))  # Ben's, 20 x 0.012
    assert (whole.points_expired, shop.points_expired) == (20, 0)
    # before November: SHOP 40 + 60 + 25; CAFE Ana's 61 - 50 and Chloe's 24
    assert (shop.outstanding_points, shop.outstanding_value) == (125, D("1.25"))
    assert (cafe.outstanding_points, cafe.outstanding_value) == (35, D("0.42"))
    assert (whole.outstanding_points, whole.outstanding_value) == (160, D("1.67"))

    # active in October: SHOP Ana; CAFE Ana and Chloe; the coalition Ana and Chloe
    assert [f.active_members for f in (shop, cafe, whole)] == [1, 2, 2]
    # September (the 31 days before): SHOP Ana and Ben, CAFE Ben; Ben is gone from both
    assert [(f.previously_active, f.churned) for f in (shop, cafe, whole)] == [
        (2, 1),
        (1, 1),
        (2, 1),
    ]
    assert [f.churn.percent() for f in (shop, cafe, whole)] == [D("50.0"), D("100.0"), D("50.0")]
    # purchases: SHOP 25.00; CAFE 30.50, 12.25, 4.99 (a return does not undo a purchase)
    assert [(f.purchases, f.purchase_amount) for f in (shop, cafe, whole)] == [
        (1, D("25.00")),
        (3, D("47.74")),
        (4, D("72.74")),
    ]
    assert shop.average_basket.rounded(2) == D("25.00")
    assert cafe.average_basket.rounded(2) == D("15.91")  # 47.74 / 3 = 15.9133...
    assert whole.average_basket.rounded(2) == D("18.18")  # 72.74 / 4 = 18.185: half-even
    assert [f.frequency.rounded(2) for f in (shop, cafe, whole)] == [
        D("1.00"),
        D("1.50"),
        D("2.00"),
    ]


async def test_cohort_triangle_over_two_months(coalition: Coalition) -> None:
    program = await worked_example(coalition)
    report = await program_report(coalition.pool, check_period(SEP, NOV))
    # September: Ana and Ben enrolled, both active then, Ana alone in October; October: Chloe
    assert [(c.month, c.members, c.active) for c in report.cohorts] == [
        (SEP, 2, (2, 1)),
        (OCT, 1, (1,)),
    ]
    september = report.cohorts[0]
    assert [september.retention(k).percent() for k in (0, 1)] == [D("100.0"), D("50.0")]
    assert report.coalition is not None and report.coalition.previously_active == 0
    assert report.coalition.churn.percent() == D("0.0")  # nothing to compare with

    cafe = await program_report(coalition.pool, check_period(SEP, NOV), program.cafe)
    assert cafe.coalition is None and [f.partner_code for f in cafe.partners] == ["CAFE"]
    assert [(c.members, c.active) for c in cafe.cohorts] == [(0, (0, 0)), (1, (1,))]


async def test_an_empty_ledger_reports_zeros(coalition: Coalition) -> None:
    await coalition.partner("SHOP", earn_rate="1", issue_price="0.01", redemption_value="0.01")
    report = await program_report(coalition.pool, check_period(OCT, NOV))
    (shop,) = report.partners
    for figures in (shop, report.coalition):
        assert figures is not None
        assert (figures.points_issued, figures.active_members, figures.answers) == (0, 0, 0)
        assert figures.average_basket.rounded(2) == D("0.00")
        assert figures.nps.percent() == D("0.0")
    assert [(c.members, c.active) for c in report.cohorts] == [(0, (0,))]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (NOV, OCT, "to"),
        (OCT, OCT, "to"),
        (OCT, OCT.replace(year=2029, day=2), "to"),  # 1,097 days
        (OCT.replace(tzinfo=None), NOV, "from"),
    ],
)
def test_a_period_runs_forward_and_spans_at_most_three_years(
    start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_period(start, end)
    assert refused.value.field == [field]
    assert check_period(OCT, OCT.replace(year=2029)).end == OCT.replace(year=2029)  # 1,096 days
