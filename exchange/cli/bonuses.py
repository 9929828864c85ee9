"""``exchange bonuses``: the bonus event types (list them, add a version) and awarding one by
hand for a partner (as its ``awardBonus`` does)."""

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
    settings_for,
)
from exchange.cli.values import instant
from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.kit.ids import to_global_id
from exchange.ledger import members
from exchange.ledger.outcome import Outcome, Request
from partners import registry
from partners.bonuses import awarding, repository, setting
from partners.bonuses.catalogue import Catalogue, EventType, Limit
from partners.versions import in_force

app = typer.Typer(help="Bonus events: the event types partners award, and awards.")
CLI_CALLER = "cli:bonuses"
SHOWN = 20


def parse_type(spec: str) -> EventType:
    """CODE:POINTS:LIMIT:NAME, LIMIT being COUNT/PERIOD (3/MONTH) or - (none)."""
    parts = spec.split(":", 3)
    if len(parts) != 4:
        raise InvalidInput(
            f"--type takes CODE:POINTS:COUNT/PERIOD:NAME (or - for no limit), not {spec!r}"
        )
    code, points, limit, name = parts
    if not points.strip().isdigit():
        raise InvalidInput(f"--type {spec!r}: points must be a whole number")
    found = None
    if limit.strip() != "-":
        count, slash, period = limit.partition("/")
        if not slash or not count.strip().isdigit():
            raise InvalidInput(f"--type {spec!r}: the limit is COUNT/PERIOD (3/MONTH) or -")
        found = Limit(int(count), period.strip().upper())
    return EventType(code=code, name=name, points=int(points), limit=found)


def _limit(kind: EventType) -> str:
    return "-" if kind.limit is None else kind.limit.words()


def _show(catalogues: list[Catalogue]) -> None:
    current = in_force(catalogues, datetime.now(UTC))
    if not catalogues:
        console.print("No bonus event types yet.")
    for catalogue in catalogues:
        mark = " (in force)" if catalogue == current else ""
        table = Table(
            box=box.SIMPLE_HEAD,
            title=f"Version {catalogue.version}{mark}, from {catalogue.effective_from.isoformat()}",
        )
        for column in ("Code", "Name", "Points", "Limit per member"):
            table.add_column(column)
        for kind in catalogue.event_types:
            table.add_row(kind.code, kind.name, f"{kind.points:,}", _limit(kind))
        console.print(table)


async def _add_and_list(
    conn: Conn, given: list[EventType] | None, effective_from: datetime | None
) -> list[Catalogue]:
    now = datetime.now(UTC)
    if given is not None:
        await setting.set_event_types(
            conn,
            given,
            effective_from=effective_from,
            caller=CLI_CALLER,
            key=f"cli-{now.isoformat()}",
            actor="exchange bonuses types (CLI)",
            now=now,
        )
    return await repository.catalogues(conn, limit=SHOWN)


@app.command()
def types(
    event_type: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="Add a version with this event type, CODE:POINTS:COUNT/PERIOD:NAME, e.g."
            " 'REVIEW:50:3/MONTH:Product review' (PERIOD: DAY, MONTH, YEAR, EVER; - for no"
            " limit). Repeat it: the version holds exactly the types given.",
            show_default=False,
        ),
    ] = None,
    none: Annotated[
        bool, typer.Option("--none", help="Add a version with no event types at all.")
    ] = False,
    effective_from: Annotated[
        str | None,
        typer.Option(
            help="When the new version starts, ISO 8601 with offset (default: now).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Show the latest versions of the bonus event types; with --type (or --none), add the
    next version first."""
    settings = settings_for(data_dir)
    if event_type and none:
        fail("give --type or --none, not both")
    if effective_from is not None and not (event_type or none):
        fail("--effective-from belongs to a new version: give --type or --none")
    with friendly_errors():
        given = [parse_type(spec) for spec in event_type] if event_type else None
        start = instant(effective_from)
    with database(settings) as url:
        catalogues = run_in_transaction(
            url, lambda conn: _add_and_list(conn, [] if none else given, start)
        )
    if given is not None or none:
        console.print(f"Bonus event types version {catalogues[0].version} added.")
    _show(catalogues)


async def _award(conn: Conn, partner_code: str, member: str, kind: str, reference: str) -> Outcome:
    partner = await registry.get_partner(conn, code=partner_code)
    member_id = await members.find(conn, partner_id=None, card_number=member)
    key = f"{partner.code}:{member_id}:{kind.strip().upper()}:{reference}"
    request = Request(
        caller=CLI_CALLER,
        idempotency_key=key,
        operation=awarding.OPERATION,
        body={"partner": partner.code, **awarding.request_body(member_id, kind, reference)},
    )
    return await awarding.award(
        conn,
        request,
        partner_id=partner.id,
        member_id=member_id,
        event_type=kind,
        reference=reference,
        now=datetime.now(UTC),
    )


@app.command()
def award(
    partner: Annotated[str, typer.Option(help="The awarding partner's code.")],
    card: Annotated[str, typer.Option(help="The member's card number.")],
    event_type: Annotated[str, typer.Option("--type", help="An event type's code (REVIEW).")],
    reference: Annotated[str, typer.Option(help="The event's reference (a review's id).")],
    data_dir: DataDir = None,
) -> None:
    """Award a member a bonus for the partner, which issues the points (as its awardBonus
    does); the same partner, member, type and reference again awards nothing more."""
    settings = settings_for(data_dir)
    with database(settings) as url:
        outcome = run_in_transaction(
            url, lambda conn: _award(conn, partner.strip().upper(), card, event_type, reference)
        )
    transaction = to_global_id("Transaction", outcome.transaction_id or 0)
    console.print(f"Awarded {outcome.points:,} points: transaction {transaction}.")
