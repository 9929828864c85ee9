"""``exchange partners earn-rules CODE``: a partner's earn rule versions, and a new one."""

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
from exchange.cli.values import amount, instant
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from partners import earn_rule_versions, registry
from partners.earn_rules import checks
from partners.earn_rules.rule_sets import RuleSet, Terms, in_force

CLI_CALLER = "cli:partners"


def _category_rates(given: list[str]) -> list[tuple[str, str]]:
    pairs = []
    for item in given:
        category, sign, rate = item.rpartition("=")
        if not sign:
            raise InvalidInput(f"--category-rate takes CATEGORY=RATE, not {item!r}")
        pairs.append((category, rate))
    return pairs


async def _add_and_list(
    conn: Conn, code: str, new: earn_rule_versions.NewVersion | None
) -> list[RuleSet]:
    if new is not None:
        await earn_rule_versions.add_version(
            conn,
            new,
            caller=CLI_CALLER,
            key=None,
            actor="exchange partners earn-rules (CLI)",
            now=datetime.now(UTC),
        )
    partner = await registry.get_partner(conn, code=code)
    return (await earn_rule_versions.versions_of(conn, [partner.id]))[partner.id]


def _n(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _row(version: RuleSet, current: RuleSet | None, currency: str) -> list[str]:
    terms: Terms = version.terms
    rates = ", ".join(f"{rate.category} {_n(rate.rate)}" for rate in terms.category_rates)
    minimum = terms.minimum_purchase
    return [
        f"{version.version}{' (in force)' if version == current else ''}",
        version.effective_from.isoformat(),
        _n(terms.base_rate),
        rates or "-",
        ", ".join(terms.excluded_categories) or "-",
        "-" if minimum is None else f"{minimum} {currency}",
        str(terms.cap_per_transaction or "-"),
        str(terms.cap_per_member_per_day or "-"),
    ]


def _show(code: str, versions: list[RuleSet], currency: str) -> None:
    table = Table(box=box.SIMPLE_HEAD, title=f"Earn rules of {code}")
    for column in (
        "Version",
        "From",
        "Base rate",
        "Category rates",
        "Excluded",
        "Minimum",
        "Cap/purchase",
        "Cap/member/day",
    ):
        table.add_column(column)
    current = in_force(versions, datetime.now(UTC))
    for version in versions:
        table.add_row(*_row(version, current, currency))
    console.print(table)


def earn_rules(
    code: Annotated[str, typer.Argument(help="The partner's code (e.g. FUEL).")],
    base_rate: Annotated[
        str | None,
        typer.Option(
            help="Add a version: points per unit of money for lines in no rated category.",
            show_default=False,
        ),
    ] = None,
    category_rate: Annotated[
        list[str] | None,
        typer.Option(help="CATEGORY=RATE, e.g. fuel=0.1 (repeat it).", show_default=False),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option(help="A category that earns nothing (repeat it).", show_default=False),
    ] = None,
    minimum_purchase: Annotated[
        str | None, typer.Option(help="Least purchase that earns (e.g. 10.00).", show_default=False)
    ] = None,
    cap_per_transaction: Annotated[int | None, typer.Option(show_default=False)] = None,
    cap_per_member_per_day: Annotated[int | None, typer.Option(show_default=False)] = None,
    effective_from: Annotated[
        str | None,
        typer.Option(help="ISO 8601 with offset (default: now).", show_default=False),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Show a partner's earn rule versions; with --base-rate, add its next version first
    (a whole rule set: what is not given is not in it)."""
    settings = settings_for(data_dir)
    code = code.strip().upper()
    given = (
        category_rate,
        exclude,
        minimum_purchase,
        cap_per_transaction,
        cap_per_member_per_day,
        effective_from,
    )
    if base_rate is None and any(option is not None for option in given):
        fail("a new version needs --base-rate (the options describe the whole version)")
    new = None
    with friendly_errors():
        if base_rate is not None:
            terms = checks.terms(
                base_rate=base_rate,
                category_rates=_category_rates(category_rate or []),
                excluded_categories=exclude or [],
                minimum_purchase=amount(minimum_purchase, settings.currency),
                cap_per_transaction=cap_per_transaction,
                cap_per_member_per_day=cap_per_member_per_day,
            )
            new = earn_rule_versions.NewVersion(code, instant(effective_from), terms)
    with database(settings) as url:
        versions = run_in_transaction(url, lambda conn: _add_and_list(conn, code, new))
    if new is not None:
        console.print(f"Partner {code}: earn rules version {versions[0].version} added.")
    _show(code, versions, settings.currency)
