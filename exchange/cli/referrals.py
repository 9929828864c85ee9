"""``exchange referrals``: the referral program (list its versions, add one) and paying the
qualified referrals now (every gateway's sweeper also pays them every few seconds)."""

from __future__ import annotations

from datetime import UTC, datetime
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
from exchange.cli.values import instant
from exchange.kit.db import Conn
from partners.referrals import payouts, repository, setting
from partners.referrals.program import Program, Terms
from partners.versions import in_force

app = typer.Typer(help="Referrals: the program, and paying qualified referrals.")
CLI_CALLER = "cli:referrals"
SHOWN = 20


async def _add_and_list(
    conn: Conn, terms: Terms | None, effective_from: datetime | None
) -> list[Program]:
    now = datetime.now(UTC)
    if terms is not None:
        await setting.set_program(
            conn,
            terms,
            effective_from=effective_from,
            caller=CLI_CALLER,
            key=f"cli-{now.isoformat()}",
            actor="exchange referrals program (CLI)",
            now=now,
        )
    return await repository.programs(conn, limit=SHOWN)


def _show(programs: list[Program]) -> None:
    if not programs:
        console.print("No referral program yet: referrals pay nothing.")
        return
    current = in_force(programs, datetime.now(UTC))
    table = Table(box=box.SIMPLE_HEAD, title="Referral program")
    for column in ("Version", "From", "Referrer", "Referred", "Qualifying earn", "Validity"):
        table.add_column(column)
    for program in programs:
        terms = program.terms
        table.add_row(
            f"{program.version}{' (in force)' if program == current else ''}",
            program.effective_from.isoformat(),
            f"{terms.referrer_points:,}",
            f"{terms.referred_points:,}",
            f"at least {terms.minimum_points:,} points",
            "-" if terms.validity_days is None else f"{terms.validity_days} days",
        )
    console.print(table)


@app.command()
def program(
    referrer_points: Annotated[
        int | None, typer.Option(help="Add a version: points to the referrer.", show_default=False)
    ] = None,
    referred_points: Annotated[
        int | None, typer.Option(help="Points to the referred member.", show_default=False)
    ] = None,
    minimum_points: Annotated[
        int | None,
        typer.Option(help="The least points of a qualifying first earn.", show_default=False),
    ] = None,
    validity_days: Annotated[
        int | None,
        typer.Option(help="Days the bonuses live (default: no end).", show_default=False),
    ] = None,
    effective_from: Annotated[
        str | None,
        typer.Option(help="ISO 8601 with offset (default: now).", show_default=False),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Show the referral program's versions; with the three points options, add a version
    first (what is not given is not in it)."""
    settings = settings_for(data_dir)
    given = (referrer_points, referred_points, minimum_points)
    if any(value is None for value in given) and any(
        value is not None for value in (*given, validity_days, effective_from)
    ):
        fail("a new version needs --referrer-points, --referred-points and --minimum-points")
    terms = None
    if referrer_points is not None and referred_points is not None and minimum_points is not None:
        terms = Terms(referrer_points, referred_points, minimum_points, validity_days)
    with friendly_errors():
        start = instant(effective_from)
    with database(settings) as url:
        programs = run_in_transaction(url, lambda conn: _add_and_list(conn, terms, start))
    if terms is not None:
        console.print(f"Referral program version {programs[0].version} added.")
    _show(programs)


@app.command()
def pay(data_dir: DataDir = None) -> None:
    """Pay the referrals whose referred member made its first qualifying purchase (both
    bonuses, once); what another process pays at the same time is left to it."""
    settings = settings_for(data_dir)
    total = payouts.Paid(0, 0)
    with database(settings) as url:
        while True:
            paid = run_with_pool(
                url, lambda pool: payouts.pay_qualified(pool, now=datetime.now(UTC))
            )
            total = payouts.Paid(total.referrals + paid.referrals, total.points + paid.points)
            if paid.referrals < payouts.BATCH:
                break
    console.print(f"Paid {total.referrals:,} referrals: {total.points:,} points.")
