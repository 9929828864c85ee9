"""What the program report page draws, as plain numbers for its SVG: bar lengths in whole
pixels (integer arithmetic on the exact figures, no float), shares already rounded."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from exchange.kit.money import MINOR_UNITS
from settlement.kpis import Figures
from settlement.program import ProgramReport
from settlement.report_exports import COALITION, month

BAR = 300
"""The longest bar, in pixels."""
TRIANGLE = 760
"""The widest the cohort triangle gets, in pixels (a cell is at most 64)."""
POINTS = ("points_issued", "points_redeemed", "points_expired")


def _length(value: int, widest: int) -> int:
    return max(value, 0) * BAR // max(widest, 1)


def points_bars(rows: list[Figures]) -> list[dict[str, Any]]:
    """Per partner: issued, redeemed and expired points as three bars on one scale."""
    widest = max((getattr(row, name) for row in rows for name in POINTS), default=0)
    return [
        {
            "code": row.partner_code,
            "bars": [
                {"kind": name.removeprefix("points_"), "points": getattr(row, name)}
                | {"length": _length(getattr(row, name), widest)}
                for name in POINTS
            ],
        }
        for row in rows
    ]


def nps_bars(rows: list[Figures]) -> list[dict[str, Any]]:
    """Per partner (and the coalition): promoters, passives and detractors side by side on
    a bar of full length, and the score."""
    return [
        {
            "code": row.partner_code or COALITION,
            "answers": row.answers,
            "score": row.nps.percent(),
            "parts": [
                {"kind": kind, "count": count, "length": count * BAR // max(row.answers, 1)}
                for kind, count in (
                    ("promoters", row.promoters),
                    ("passives", row.passives),
                    ("detractors", row.detractors),
                )
            ],
        }
        for row in rows
    ]


def cohort_cells(report: ProgramReport) -> list[dict[str, Any]]:
    """The triangle: a row per cohort, a cell per month with its share of the cohort active
    (the cell's opacity, 0 to 1)."""
    return [
        {
            "month": month(cohort.month),
            "members": cohort.members,
            "cells": [
                {
                    "month": month(at),
                    "active": cohort.active[offset],
                    "percent": cohort.retention(offset).percent(),
                    "opacity": cohort.retention(offset).rounded(2),
                    "dark": cohort.retention(offset).exact >= Fraction(1, 2),
                }
                for offset, at in enumerate(cohort.months)
            ],
        }
        for cohort in report.cohorts
    ]


def campaign_rows(report: ProgramReport, currency: str) -> list[dict[str, Any]]:
    """Each campaign's cost and uplift, and the two groups' spend per member as bars on one
    scale (integer pixels)."""
    places = MINOR_UNITS.get(currency, 2)
    rows = []
    for result in report.campaigns:
        uplift = result.uplift
        row: dict[str, Any] = {"result": result, "uplift": uplift}
        if uplift is not None:
            treated = uplift.treated.spend_per_member.rounded(places)
            control = uplift.control.spend_per_member.rounded(places)
            widest = max(treated, control, Decimal(1))
            row |= {
                "treated": treated,
                "control": control,
                "treated_length": int(treated * BAR / widest),
                "control_length": int(control * BAR / widest),
                "percent": uplift.uplift.percent(),
                "incremental": uplift.incremental_spend.rounded(places),
            }
        rows.append(row)
    return rows


def page_data(report: ProgramReport, currency: str) -> dict[str, Any]:
    rows = [*report.partners, *([report.coalition] if report.coalition else [])]
    places = MINOR_UNITS.get(currency, 2)
    return {
        "report": report,
        "currency": currency,
        "whole": report.coalition is not None,
        "rows": [
            {
                "code": row.partner_code or "Coalition",
                "figures": row,
                "basket": row.average_basket.rounded(places),
                "frequency": row.frequency.rounded(2),
                "churn": row.churn.percent(),
                "nps": row.nps.percent(),
            }
            for row in rows
        ],
        "points": points_bars(report.partners),
        "nps": nps_bars(rows),
        "cohorts": cohort_cells(report),
        "months": len(report.cohorts),
        "cell": min(64, TRIANGLE // max(len(report.cohorts), 1)),
        "campaigns": campaign_rows(report, currency),
    }
