"""The program report of a period: every partner's figures, the coalition's, and the cohort
triangle, read from one snapshot of the database. Campaign uplift against a control group
is not in it: campaigns do not exist yet."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.kit.db import Pool, transaction

from .cohorts import Cohort, cohorts
from .kpis import Figures, Period, figures


@dataclass(frozen=True)
class ProgramReport:
    period: Period
    partners: list[Figures]
    coalition: Figures | None
    """None when the report is one partner's."""
    cohorts: list[Cohort]


async def program_report(
    pool: Pool, period: Period, partner_id: int | None = None
) -> ProgramReport:
    """Staff's report (every partner and the coalition), or one partner's own (its figures,
    the members it enrolled as cohorts)."""
    async with transaction(pool) as conn:
        await conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        rows, coalition = await figures(conn, period, partner_id)
        triangle = await cohorts(conn, period, partner_id)
    return ProgramReport(period, rows, coalition if partner_id is None else None, triangle)
