"""``exchange report program|liability``: the program report of a period and the liability
report, as tables; ``--output`` writes them as CSV too."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli.common import (
    DataDir,
    console,
    database,
    fail,
    friendly_errors,
    run_in_transaction,
    run_with_pool,
    settings_for,
)
from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.money import MINOR_UNITS
from settlement import kpis, report_exports, reports
from settlement.program import ProgramReport, program_report

app = typer.Typer(
    help="Reports: the program's KPIs for a period, the liability.", no_args_is_help=True
)
Output = Annotated[Path | None, typer.Option("--output", "-o", help="Also write it as CSV.")]


def _parse_time(option: str, text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"{option}: not an ISO 8601 time: {text!r}")
    if moment.tzinfo is None:
        fail(f"{option} needs a time zone offset, e.g. 2026-10-01T00:00:00Z")
    return moment


def _figures_table(report: ProgramReport, currency: str) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="Points and members")
    names = ("partner", "issued", "redeemed", "expired", "outstanding", "active", "purchases")
    for name in (*names, "avg basket", "frequency", "churn %", "NPS", "answers"):
        table.add_column(name, justify="left" if name == "partner" else "right")
    places = MINOR_UNITS.get(currency, 2)
    for row in [*report.partners, *([report.coalition] if report.coalition else [])]:
        table.add_row(
            row.partner_code or "coalition",
            *(str(n) for n in (row.points_issued, row.points_redeemed, row.points_expired)),
            *(str(n) for n in (row.outstanding_points, row.active_members, row.purchases)),
            f"{row.average_basket.rounded(places)} {currency}",
            str(row.frequency.rounded(2)),
            str(row.churn.percent()),
            str(row.nps.percent()),
            str(row.answers),
        )
    return table


def _cohorts_table(report: ProgramReport) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="Cohort retention, % active")
    table.add_column("enrolled")
    table.add_column("members", justify="right")
    for offset in range(len(report.cohorts)):
        table.add_column(f"+{offset}", justify="right")
    for cohort in report.cohorts:
        shares = [str(cohort.retention(k).percent()) for k in range(len(cohort.active))]
        table.add_row(report_exports.month(cohort.month), str(cohort.members), *shares)
    return table


def _campaigns_table(report: ProgramReport, currency: str) -> Table:
    table = Table(
        box=box.SIMPLE_HEAD, title="Campaigns: cost, and uplift against the control group"
    )
    for name in ("campaign", "points given", "cost", "treated / control", "spend/member"):
        table.add_column(name, justify="left" if name == "campaign" else "right")
    table.add_column("uplift %", justify="right")
    table.add_column("incremental spend", justify="right")
    places = MINOR_UNITS.get(currency, 2)
    for result in report.campaigns:
        cells = ["-", "-", "-", "-"]
        if (uplift := result.uplift) is not None:
            t, c = uplift.treated, uplift.control
            cells = [
                f"{t.members} / {c.members}",
                f"{t.spend_per_member.rounded(places)} / {c.spend_per_member.rounded(places)}",
                str(uplift.uplift.percent()),
                f"{uplift.incremental_spend.rounded(places)} {currency}",
            ]
        cost = report_exports.exact(result.cost_value)
        code = result.version.campaign.code
        table.add_row(code, str(result.points_given), f"{cost} {currency}", *cells)
    return table


@app.command("program")
def program(
    start: Annotated[
        str, typer.Option("--from", help="The period's start (ISO 8601 with offset).")
    ],
    end: Annotated[str, typer.Option("--to", help="The period's end, excluded.")],
    output: Output = None,
    cohorts: Annotated[
        Path | None, typer.Option("--cohorts", help="Write the cohort triangle as CSV.")
    ] = None,
    campaigns: Annotated[
        Path | None, typer.Option("--campaigns", help="Write the campaigns' rows as CSV.")
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Every partner's figures and the coalition's for [--from, --to), the cohorts, and each
    campaign's cost and uplift."""
    with friendly_errors():
        period = kpis.check_period(_parse_time("--from", start), _parse_time("--to", end))
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors():
        report = run_with_pool(url, lambda pool: program_report(pool, period))
        if output is not None:
            output.write_text(report_exports.program_csv(report, settings.currency))
        if cohorts is not None:
            cohorts.write_text(report_exports.cohorts_csv(report))
        if campaigns is not None:
            campaigns.write_text(report_exports.campaigns_csv(report, settings.currency))
    console.print(f"Program report from {period.start.isoformat()} to {period.end.isoformat()}")
    console.print(_figures_table(report, settings.currency))
    console.print(_cohorts_table(report))
    if report.campaigns:
        console.print(_campaigns_table(report, settings.currency))
    for path in (output, cohorts, campaigns):
        if path is not None:
            console.print(f"wrote {path}")


async def _liability(
    conn: Conn, as_of: datetime
) -> tuple[list[reports.Outstanding], list[reports.Breakage]]:
    return await reports.outstanding(conn, as_of=as_of), await reports.breakage(conn, as_of=as_of)


def _liability_table(
    moment: datetime,
    held: list[reports.Outstanding],
    expired: list[reports.Breakage],
    currency: str,
) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title=f"Liability as of {moment.isoformat()}")
    for name in ("kind", "issuer", "expiry month"):
        table.add_column(name)
    for name in ("points", f"value ({currency})"):
        table.add_column(name, justify="right")
    rows = [
        (
            "outstanding",
            r.issuer_code,
            report_exports.month(r.expiry_month) or "never",
            r.points,
            r.value,
        )
        for r in held
    ] + [("breakage", r.issuer_code, "", r.points, r.value) for r in expired]
    for kind, issuer, month, points, value in rows:
        table.add_row(kind, issuer or "operator", month, str(points), report_exports.exact(value))
    return table


@app.command("liability")
def liability(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The instant (ISO 8601 with offset); default now.")
    ] = None,
    output: Output = None,
    data_dir: DataDir = None,
) -> None:
    """Outstanding points by issuer and expiry month at the recorded issue prices; breakage."""
    moment = clock.now() if as_of is None else _parse_time("--as-of", as_of)
    if moment > clock.now():
        fail("--as-of is in the future")
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors():
        held, expired = run_in_transaction(url, lambda conn: _liability(conn, moment))
        if output is not None:
            output.write_text(
                report_exports.liability_csv(moment, held, expired, settings.currency)
            )
    console.print(_liability_table(moment, held, expired, settings.currency))
    if output is not None:
        console.print(f"wrote {output}")
