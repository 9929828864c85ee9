"""The reports as CSV: the program report's figures (a row per partner, then the coalition),
its cohort triangle (a row per cohort and month), and the liability report. Money values
are exact; averages and shares rounded half-even as they are shown everywhere else."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal

from exchange.kit.money import MINOR_UNITS

from .campaign_uplift import CampaignResult, Group
from .kpis import Figures
from .program import ProgramReport
from .reports import Breakage, Outstanding

FIGURE_COLUMNS = (
    "period_start",
    "period_end",
    "currency",
    "partner",
    "points_issued",
    "issued_value",
    "points_redeemed",
    "redeemed_value",
    "points_expired",
    "breakage_value",
    "outstanding_points",
    "outstanding_value",
    "active_members",
    "purchases",
    "average_basket",
    "purchase_frequency",
    "previously_active_members",
    "churned_members",
    "churn_percent",
    "nps_answers",
    "promoters",
    "passives",
    "detractors",
    "nps",
)
COHORT_COLUMNS = (
    "cohort",
    "members",
    "month",
    "months_after",
    "active_members",
    "retention_percent",
)
CAMPAIGN_COLUMNS = (
    "period_start",
    "period_end",
    "currency",
    "campaign",
    "name",
    "kind",
    "funded_by",
    "promo_code",
    "control_group_percent",
    "points_given",
    "cost",
    "rewarded_members",
    "window_start",
    "window_end",
    "treated_members",
    "treated_purchasers",
    "treated_purchases",
    "treated_spend",
    "treated_spend_per_member",
    "control_members",
    "control_purchasers",
    "control_purchases",
    "control_spend",
    "control_spend_per_member",
    "uplift_percent",
    "incremental_spend",
    "incremental_spend_per_cost",
)
LIABILITY_COLUMNS = ("as_of", "currency", "kind", "issuer", "expiry_month", "points", "value")
COALITION = "COALITION"


def exact(value: Decimal) -> str:
    return format(value.normalize(), "f") if value else "0"


def month(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m")


def _csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def figure_row(figures: Figures, currency: str) -> tuple[object, ...]:
    return (
        figures.partner_code or COALITION,
        figures.points_issued,
        exact(figures.issued_value),
        figures.points_redeemed,
        exact(figures.redeemed_value),
        figures.points_expired,
        exact(figures.breakage_value),
        figures.outstanding_points,
        exact(figures.outstanding_value),
        figures.active_members,
        figures.purchases,
        figures.average_basket.rounded(MINOR_UNITS.get(currency, 2)),
        figures.frequency.rounded(2),
        figures.previously_active,
        figures.churned,
        figures.churn.percent(),
        figures.answers,
        figures.promoters,
        figures.passives,
        figures.detractors,
        figures.nps.percent(),
    )


def program_csv(report: ProgramReport, currency: str) -> str:
    period = (report.period.start.isoformat(), report.period.end.isoformat(), currency)
    rows = [*report.partners, *([report.coalition] if report.coalition else [])]
    return _csv(FIGURE_COLUMNS, ((*period, *figure_row(row, currency)) for row in rows))


def cohorts_csv(report: ProgramReport) -> str:
    return _csv(
        COHORT_COLUMNS,
        (
            (
                month(cohort.month),
                cohort.members,
                month(at),
                offset,
                cohort.active[offset],
                cohort.retention(offset).percent(),
            )
            for cohort in report.cohorts
            for offset, at in enumerate(cohort.months)
        ),
    )


def _group(group: Group | None, places: int) -> tuple[object, ...]:
    if group is None:
        return ("", "", "", "", "")
    per_member = group.spend_per_member.rounded(places)
    return (group.members, group.purchasers, group.purchases, exact(group.spend), per_member)


def campaign_row(result: CampaignResult, currency: str) -> tuple[object, ...]:
    """A campaign's cost, exact, and its uplift (empty without a control group)."""
    places = MINOR_UNITS.get(currency, 2)
    terms, uplift = result.version.terms, result.uplift
    per_cost = result.incremental_spend_per_cost
    return (
        result.version.campaign.code,
        terms.name,
        terms.kind.value,
        terms.funder.value,
        result.version.campaign.promo_code or "",
        exact(terms.control_percent),
        result.points_given,
        exact(result.cost_value),
        result.rewarded_members,
        "" if uplift is None else uplift.window_start.isoformat(),
        "" if uplift is None else uplift.window_end.isoformat(),
        *_group(None if uplift is None else uplift.treated, places),
        *_group(None if uplift is None else uplift.control, places),
        "" if uplift is None else uplift.uplift.percent(),
        "" if uplift is None else uplift.incremental_spend.rounded(places),
        "" if per_cost is None else per_cost.rounded(2),
    )


def campaigns_csv(report: ProgramReport, currency: str) -> str:
    period = (report.period.start.isoformat(), report.period.end.isoformat(), currency)
    return _csv(
        CAMPAIGN_COLUMNS, ((*period, *campaign_row(row, currency)) for row in report.campaigns)
    )


def liability_csv(
    as_of: datetime, held: list[Outstanding], expired: list[Breakage], currency: str
) -> str:
    """OUTSTANDING rows by issuer and expiry month (empty: never), then BREAKAGE by issuer;
    an empty issuer is the operator."""
    stamp = as_of.isoformat()
    outstanding = (
        ("OUTSTANDING", r.issuer_code, month(r.expiry_month), r.points, r.value) for r in held
    )
    breakage = (("BREAKAGE", r.issuer_code, "", r.points, r.value) for r in expired)
    return _csv(
        LIABILITY_COLUMNS,
        (
            (stamp, currency, kind, issuer or "", expiry, points, exact(value))
            for kind, issuer, expiry, points, value in (*outstanding, *breakage)
        ),
    )
