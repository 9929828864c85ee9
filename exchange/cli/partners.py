"""``exchange partners ...``: register partners (with their first API key), list them, make
them prepaid or post-paid and record the point blocks prepaid partners buy."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich import box
from rich.table import Table

from exchange.cli import show
from exchange.cli.common import (
    DataDir,
    console,
    database,
    fail,
    friendly_errors,
    run_in_transaction,
    settings_for,
)
from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.money import MINOR_UNITS, round_to_minor
from partners import prepaid, registry
from partners.keys import IssuedKey

app = typer.Typer(
    help="Partners: register (first API key shown once), list, billing, point blocks.",
    no_args_is_help=True,
)
CLI_CALLER = "cli:partners"
Code = Annotated[str, typer.Argument(help="The partner's code (e.g. FUEL).")]


@app.command("create")
def create(
    code: Annotated[str, typer.Option(help="Short code, 2-32 of A-Z, 0-9, _ (e.g. FUEL).")],
    name: Annotated[str, typer.Option(help="Display name.")],
    earn_rate: Annotated[str, typer.Option(help="Points per unit of money spent (e.g. 1).")],
    issue_price: Annotated[
        str, typer.Option(help="Money the partner pays per point it issues (e.g. 0.010).")
    ],
    redemption_value: Annotated[
        str, typer.Option(help="Money the partner is paid per point redeemed at it (e.g. 0.008).")
    ],
    validity_days: Annotated[
        int | None,
        typer.Option(
            help="Days the points it issues stay valid (default: never expire).", show_default=False
        ),
    ] = None,
    currency: Annotated[
        str | None,
        typer.Option(
            help="Price currency (default: the program's, EXCHANGE_CURRENCY).", show_default=False
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the API key (for scripts).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Register a partner with its prices and print its first API key once."""
    settings = settings_for(data_dir)
    with friendly_errors():
        new = _new_partner(
            code,
            name,
            earn_rate,
            issue_price,
            redemption_value,
            validity_days,
            (currency or settings.currency).strip().upper(),
        )
    with database(settings) as url:
        partner, key = run_in_transaction(url, lambda conn: _create(conn, new))
    if not quiet:
        console.print(f"Partner {partner.code} ({partner.name}) created, id {partner.id}.")
    show.new_key("partner", partner.code, key.secret, quiet=quiet)


def _new_partner(
    code: str,
    name: str,
    earn_rate: str,
    issue_price: str,
    redemption_value: str,
    validity_days: int | None,
    currency: str,
) -> registry.NewPartner:
    if currency not in MINOR_UNITS:
        raise InvalidInput(f"unknown currency {currency!r}", field=["currency"])
    return registry.NewPartner(
        code=code.strip().upper(),
        name=name,
        currency=currency,
        earn_rate=registry.parse_price(earn_rate, "earnRate"),
        issue_price=registry.parse_price(issue_price, "issuePrice"),
        redemption_value=registry.parse_price(redemption_value, "redemptionValue"),
        point_validity_days=validity_days,
    )


async def _create(conn: Conn, new: registry.NewPartner) -> tuple[registry.Partner, IssuedKey]:
    return await registry.create_partner(conn, new, now=datetime.now(UTC))


@app.command("list")
def list_(data_dir: DataDir = None) -> None:
    """List partners with the prices in force now."""
    with database(settings_for(data_dir)) as url:
        rows = run_in_transaction(url, _partners_with_prices)
    table = Table(box=box.SIMPLE_HEAD)
    columns = (
        "Id",
        "Code",
        "Name",
        "Status",
        "Billing",
        "Earn rate",
        "Issue price",
        "Redemption value",
        "Validity",
    )
    for column in columns:
        table.add_column(
            column,
            no_wrap=column in ("Id", "Code"),
            justify="right" if column in ("Id", "Earn rate") else "left",
        )
    for partner, price in rows:
        table.add_row(
            str(partner.id),
            partner.code,
            partner.name,
            partner.status,
            partner.billing,
            _number(partner.earn_rate),
            _price(price, "issue_price"),
            _price(price, "redemption_value"),
            _validity(partner.point_validity_days),
        )
    console.print(table)


async def _partners_with_prices(
    conn: Conn,
) -> list[tuple[registry.Partner, dict[str, Any] | None]]:
    now = datetime.now(UTC)
    rows = []
    for partner in await registry.list_partners(conn):
        try:
            price: dict[str, Any] | None = await registry.price_at(conn, partner.id, now)
        except ExchangeError:  # suspended, or no price in force yet
            price = None
        rows.append((partner, price))
    return rows


def _validity(days: int | None) -> str:
    return f"{days} days" if days else "never expires"


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _price(price: dict[str, Any] | None, field: str) -> str:
    if price is None or price.get(field) is None:
        return "-"
    return f"{_number(price[field])} {price['currency']}"


@app.command("billing")
def billing(
    code: Code,
    prepaid_billing: Annotated[
        bool | None,
        typer.Option(
            "--prepaid/--postpaid",
            help="PREPAID: its earns draw from the point blocks it buys (`buy-block`).",
            show_default=False,
        ),
    ] = None,
    credit_limit: Annotated[
        int | None,
        typer.Option(
            help="Points it may issue beyond its blocks (default: unchanged).", show_default=False
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Make a partner prepaid or post-paid, and set its credit limit."""
    if prepaid_billing is None:
        fail("say --prepaid or --postpaid")
    choice = "PREPAID" if prepaid_billing else "POSTPAID"
    with database(settings_for(data_dir)) as url:
        partner, allowance = run_in_transaction(
            url,
            lambda conn: _set_billing(conn, code.strip().upper(), choice, credit_limit),
        )
    console.print(f"Partner {partner.code} is {partner.billing}. {_allowance(allowance)}")


async def _set_billing(
    conn: Conn, code: str, billing: str, credit_limit: int | None
) -> tuple[registry.Partner, prepaid.Allowance | None]:
    partner = await prepaid.set_billing(
        conn, code=code, billing=billing, credit_limit_points=credit_limit
    )
    return partner, (await prepaid.allowances_of(conn, [partner.id])).get(partner.id)


@app.command("buy-block")
def buy_block(
    code: Code,
    points: Annotated[int, typer.Option(help="Points the partner bought.")],
    price: Annotated[str, typer.Option(help="Money per point (e.g. 0.009), program currency.")],
    reference: Annotated[str, typer.Option(help="The purchase's invoice or payment reference.")],
    data_dir: DataDir = None,
) -> None:
    """Record a block of points a prepaid partner bought: its earns may draw from it at once,
    and the next settlement batch bills it. The same reference again records nothing more."""
    settings = settings_for(data_dir)
    with friendly_errors():
        new = prepaid.NewBlock(
            partner_code=code.strip().upper(),
            points=points,
            price_per_point=registry.parse_price(price, "price"),
            currency=settings.currency,
            reference=reference,
        )
    with database(settings) as url:
        block, allowance = run_in_transaction(url, lambda conn: _buy_block(conn, new))
    console.print(
        f"Block {block.id}: {block.points} points at {_number(block.price_per_point)}"
        f" {block.currency} ({round_to_minor(block.amount, block.currency)} {block.currency}),"
        f" reference {block.reference}. {_allowance(allowance)}"
    )


async def _buy_block(
    conn: Conn, new: prepaid.NewBlock
) -> tuple[prepaid.PointBlock, prepaid.Allowance | None]:
    block = await prepaid.record_block(
        conn,
        new,
        caller=CLI_CALLER,
        key=f"buy-block:{new.partner_code}:{new.reference.strip()}",
        actor="exchange partners buy-block (CLI)",
        now=datetime.now(UTC),
    )
    return block, (await prepaid.allowances_of(conn, [block.partner_id])).get(block.partner_id)


def _allowance(allowance: prepaid.Allowance | None) -> str:
    if allowance is None:
        return "It never bought point blocks."
    return (
        f"Points bought {allowance.points_bought}, drawn {allowance.points_drawn}, credit limit"
        f" {allowance.credit_limit_points}: {allowance.points_left} left to issue."
    )
