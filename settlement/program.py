"""The program report of a period: every partner's figures, the coalition's, the cohort
triangle, and each campaign's cost and uplift against its control group, read from one
snapshot of the database."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.kit.db import Pool, transaction

from .campaign_uplift import CampaignResult, results
from .cohorts import Cohort, cohorts
from .kpis import Figures, Period, figures


@dataclass(frozen=True)
class ProgramReport:
    period: Period
    partners: list[Figures]
    coalition: Figures | None
    """None when the report is one partner's."""
    cohorts: list[Cohort]
    campaigns: list[CampaignResult]


async def program_report(
    pool: Pool, period: Period, partner_id: int | None = None
) -> ProgramReport:
    """Staff's report (every partner and the coalition), or one partner's own (its figures,
    the members it enrolled as cohorts)."""
    async with transaction(pool) as conn:
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows, coalition = await figures(conn, period, partner_id)
        triangle = await cohorts(conn, period, partner_id)
        campaigns = await results(conn, period, partner_id)
    whole = coalition if partner_id is None else None
    return ProgramReport(period, rows, whole, triangle, campaigns)
