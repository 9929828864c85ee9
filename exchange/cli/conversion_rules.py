"""``exchange partners conversion-rules CODE --currency SKY``: the versions of a partner's
program currency's conversion rules, and a new one."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
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
    settings_for,
)
from exchange.cli.values import instant
from exchange.kit.db import Conn
from partners import registry
from partners.conversions import checks, store
from partners.conversions.rules import Currency, RuleSet, Way, in_force

CLI_CALLER = "cli:partners"


async def _add_and_list(
    conn: Conn, code: str, currency: str, new: store.NewRules | None
) -> tuple[Currency, list[RuleSet]]:
    if new is not None:
        await store.add_rules(
            conn,
            new,
            caller=CLI_CALLER,
            key=None,
            actor="exchange partners conversion-rules (CLI)",
            now=datetime.now(UTC),
        )
    partner = await registry.get_partner(conn, code=code)
    found = await store.currency_by_code(conn, currency, partner_id=partner.id)
    return found, (await store.versions_of(conn, [found.id]))[found.id]


def _n(value: Decimal | None) -> str:
    return "-" if value is None else format(value.normalize(), "f")


def _way(way: Way) -> str:
    if not way.offered:
        return "not offered"
    limits = [
        f"min {way.minimum_points}" if way.minimum_points else "",
        f"max {way.maximum_points}" if way.maximum_points else "",
        f"{way.daily_points}/day" if way.daily_points else "",
    ]
    return " ".join([_n(way.rate), *[limit for limit in limits if limit]])


def _show(currency: Currency, versions: list[RuleSet]) -> None:
    table = Table(
        box=box.SIMPLE_HEAD, title=f"Conversion rules of {currency.code} ({currency.name})"
    )
    for column in ("Version", "From", "In (points/unit)", "Out (units/point)"):
        table.add_column(column)
    current = in_force(versions, datetime.now(UTC))
    for version in versions:
        table.add_row(
            f"{version.version}{' (in force)' if version == current else ''}",
            version.effective_from.isoformat(),
            _way(version.terms.into),
            _way(version.terms.out),
        )
    console.print(table)


def _new_way(
    name: str, rate: str | None, low: int | None, high: int | None, day: int | None
) -> Way:
    if rate is None:
        if any(value is not None for value in (low, high, day)):
            fail(f"limits of converting {name} need --{name}-rate")
        return Way()
    return checks.way(
        name,
        offered=True,
        rate_text=rate,
        minimum_points=low,
        maximum_points=high,
        daily_points=day,
    )


Points = Annotated[int | None, typer.Option(show_default=False, min=1)]


def conversion_rules(
    code: Annotated[str, typer.Argument(help="The partner's code (e.g. AIRLINE).")],
    currency: Annotated[str, typer.Option(help="Its program currency's code (e.g. SKY).")],
    name: Annotated[
        str | None, typer.Option(help="The currency's name (its first version needs it).")
    ] = None,
    decimals: Annotated[
        int | None, typer.Option(help="Decimals of amounts (first version).")
    ] = None,
    in_rate: Annotated[
        str | None, typer.Option(help="Add a version: points per unit converted in (0.8).")
    ] = None,
    in_min: Points = None,
    in_max: Points = None,
    in_daily: Points = None,
    out_rate: Annotated[
        str | None, typer.Option(help="Add a version: units per point converted out (1.25).")
    ] = None,
    out_min: Points = None,
    out_max: Points = None,
    out_daily: Points = None,
    effective_from: Annotated[
        str | None, typer.Option(help="ISO 8601 with offset (default: now).", show_default=False)
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Show the conversion rule versions of a partner's program currency; with --in-rate or
    --out-rate, add its next version first (a whole version: a way without a rate is not
    offered; limits are points per conversion and per member per UTC day)."""
    settings = settings_for(data_dir)
    code = code.strip().upper()
    new = None
    with friendly_errors():
        currency = checks.currency_code(currency)
        if in_rate is not None or out_rate is not None:
            new = store.NewRules(
                partner_code=code,
                currency=currency,
                name=None if name is None else checks.currency_name(name),
                decimals=None if decimals is None else checks.decimals(decimals),
                effective_from=instant(effective_from),
                terms=checks.terms(
                    _new_way("in", in_rate, in_min, in_max, in_daily),
                    _new_way("out", out_rate, out_min, out_max, out_daily),
                ),
            )
        elif any(
            option is not None
            for option in (name, decimals, in_min, in_max, in_daily, out_min, out_max, out_daily)
        ):
            fail("a new version needs --in-rate or --out-rate")
    with database(settings) as url:
        found, versions = run_in_transaction(
            url, lambda conn: _add_and_list(conn, code, currency, new)
        )
    if new is not None:
        console.print(f"{found.code}: conversion rules version {versions[0].version} added.")
    _show(found, versions)
