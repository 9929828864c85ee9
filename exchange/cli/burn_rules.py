"""``exchange burn-rules show|history|set CODE``: a partner's burn rules, as ``setBurnRules``
and ``Partner.burnRules`` have them (the same store and checks in ``partners``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli.common import (
    DataDir,
    console,
    database,
    friendly_errors,
    run_in_transaction,
    settings_for,
)
from exchange.cli.values import IdempotencyKey, amount, instant, key_or_new
from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.kit.money import MINOR_UNITS
from partners import burn_rule_store, registry
from partners.burn_rules import checks
from partners.burn_rules.rule_sets import DEFAULTS, RuleSet, in_force

CLI_CALLER = "cli:burn-rules"

app = typer.Typer(
    help="A partner's burn rules: the version in force, every version, a new one.",
    no_args_is_help=True,
)
Code = Annotated[str, typer.Argument(help="The partner's code (e.g. FUEL).")]


async def _versions(conn: Conn, code: str) -> list[RuleSet]:
    partner = await registry.get_partner(conn, code=code.strip().upper())
    return (await burn_rule_store.versions_of(conn, [partner.id]))[partner.id]


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _name(version: RuleSet | None, current: RuleSet | None) -> str:
    if version is None:
        return "defaults"
    return f"{version.version}{' (in force)' if version == current else ''}"


def _row(version: RuleSet | None, current: RuleSet | None, currency: str) -> list[str]:
    terms = DEFAULTS if version is None else version.terms
    value, share, basket = terms.point_value, terms.max_basket_share, terms.minimum_basket
    minor = Decimal(1).scaleb(-MINOR_UNITS.get(currency, 2))
    return [
        _name(version, current),
        "-" if version is None else version.effective_from.isoformat(),
        "yes" if terms.accepts_redemption else "no",
        "redemption value" if value is None else f"{_n(value)} {currency}",
        "whole basket" if share is None else f"{_n(share * 100)}%",
        "-" if basket is None else f"{basket.quantize(minor)} {currency}",
        str(terms.minimum_points or "-"),
    ]


def _table(code: str, versions: list[RuleSet], currency: str, *, title: str) -> None:
    table = Table(box=box.SIMPLE_HEAD, title=f"{title} of {code.strip().upper()}")
    for column in (
        "Version",
        "From",
        "Accepts",
        "Point value",
        "Max share",
        "Min basket",
        "Min points",
    ):
        table.add_column(column)
    current = in_force(versions, clock.now())
    rows: list[RuleSet | None] = list(versions) or [None]  # none yet: the defaults hold
    for version in rows:
        table.add_row(*_row(version, current, currency))
    console.print(table)


def _read(code: str, data_dir: DataDir) -> tuple[list[RuleSet], str]:
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors():
        return run_in_transaction(url, lambda conn: _versions(conn, code)), settings.currency


@app.command()
def show(code: Code, data_dir: DataDir = None) -> None:
    """The version in force now, and any that start later (the defaults without one)."""
    versions, currency = _read(code, data_dir)
    current = in_force(versions, clock.now())
    shown = [v for v in versions if v == current or v.effective_from > clock.now()]
    _table(code, shown, currency, title="Burn rules")


@app.command()
def history(code: Code, data_dir: DataDir = None) -> None:
    """Every version, the latest start first; versions never change."""
    versions, currency = _read(code, data_dir)
    _table(code, versions, currency, title="Burn rule versions")


@app.command("set")
def set_rules(
    code: Code,
    no_redemption: Annotated[
        bool,
        typer.Option(
            "--no-redemption",
            help="The partner accepts no points as payment (no other limit then).",
        ),
    ] = False,
    point_value: Annotated[
        str | None,
        typer.Option(
            help="Money a point pays of a basket (default: the redemption value in force).",
            show_default=False,
        ),
    ] = None,
    max_basket_share: Annotated[
        str | None,
        typer.Option(
            help="Largest share of a basket points may pay, e.g. 0.2 for 20%.", show_default=False
        ),
    ] = None,
    minimum_basket: Annotated[
        str | None, typer.Option(help="Least a basket must cost, e.g. 10.00.", show_default=False)
    ] = None,
    minimum_points: Annotated[
        int | None, typer.Option(help="Fewest points one burn may use.", show_default=False)
    ] = None,
    effective_from: Annotated[
        str | None, typer.Option(help="ISO 8601 with offset (default: now).", show_default=False)
    ] = None,
    idempotency_key: IdempotencyKey = None,
    data_dir: DataDir = None,
) -> None:
    """Add the partner's next burn rule version (a whole version: a limit left out is none),
    as setBurnRules does; the partner's burns follow it from its start."""
    settings = settings_for(data_dir)
    with friendly_errors():
        terms = checks.terms(
            accepts_redemption=not no_redemption,
            point_value=None
            if point_value is None
            else registry.parse_price(point_value, "pointValue"),
            max_basket_share=max_basket_share,
            minimum_basket=amount(minimum_basket, settings.currency),
            minimum_points=minimum_points,
        )
        start = instant(effective_from)

    async def add(conn: Conn) -> tuple[RuleSet, list[RuleSet]]:
        added = await burn_rule_store.add_version(
            conn,
            code=code.strip().upper(),
            effective_from=start,
            terms=terms,
            currency=settings.currency,
            caller=CLI_CALLER,
            key=key_or_new(idempotency_key),
            actor="exchange burn-rules set (CLI)",
            now=clock.now(),
        )
        return added, await _versions(conn, code)

    with database(settings) as url, friendly_errors():
        added, versions = run_in_transaction(url, add)
    console.print(f"Partner {code.strip().upper()}: burn rules version {added.version} added.")
    _table(code, versions, settings.currency, title="Burn rule versions")
