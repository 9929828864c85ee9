"""``exchange settle ...``: run, approve, pay, discard, list and export settlement batches;
``exchange audit``: every ledger invariant, non-zero exit on any violation."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

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
from settlement import batches, exports
from settlement import repository as repo
from settlement.audit import run_full_audit
from settlement.batches import Asked

app = typer.Typer(
    help="Settlement batches: run (DRAFT), approve, pay, discard, list, export.",
    no_args_is_help=True,
)
CLI = Asked(actor="exchange settle (CLI)", caller="cli:settle")
BatchId = Annotated[int, typer.Argument(help="The batch's number (see `exchange settle list`).")]


def _summary(batch: repo.Batch) -> str:
    return (
        f"Batch {batch.id}: {batch.status}, {batch.entries_count} entries up to"
        f" {batch.period_end.isoformat()}, operator margin {batch.operator_margin}"
        f" {batch.currency} (rounding {batch.rounding_difference.normalize()})"
    )


def _parse_time(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--period-end: not an ISO 8601 time: {text!r}")
    if moment.tzinfo is None:
        fail("--period-end needs a time zone offset, e.g. 2026-11-30T23:59:59Z")
    return moment


@app.command("run")
def run(
    period_end: Annotated[str, typer.Option(help="The cut-off (ISO 8601 with offset).")],
    data_dir: DataDir = None,
) -> None:
    """Settle every unsettled entry posted up to the cut-off into a DRAFT batch."""
    settings = settings_for(data_dir)
    end = _parse_time(period_end)
    with database(settings) as url, friendly_errors():
        with console.status("settling..."):
            batch = run_with_pool(
                url,
                lambda pool: batches.run(
                    pool,
                    period_end=end,
                    currency=settings.currency,
                    breakage_issuer_share=settings.breakage_issuer_share,
                    asked=CLI,
                    now=clock.now(),
                ),
            )
        rows = run_in_transaction(url, lambda conn: repo.statement_rows(conn, batch.id))
    console.print(_summary(batch))
    console.print(_statements_table(rows))


def _statements_table(rows: list[dict[str, Any]]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("partner", "issued", "reversed", "redeemed", "refunded", "expired", "net"):
        table.add_column(name, justify="left" if name == "partner" else "right")
    for row in rows:
        table.add_row(
            row["partner_code"],
            *(str(row[f"{name}_points"]) for name in ("issued", "reversed", "redeemed")),
            *(str(row[f"{name}_points"]) for name in ("refunded", "expired")),
            str(row["net_amount"]),
        )
    return table


def _transition(data_dir: Path | None, work: str, batch_id: int, reference: str = "") -> None:
    settings = settings_for(data_dir)
    now = clock.now()
    with database(settings) as url, friendly_errors():
        if work == "approve":
            batch = run_with_pool(url, lambda p: batches.approve(p, batch_id, asked=CLI, now=now))
        elif work == "pay":
            batch = run_with_pool(
                url,
                lambda p: batches.mark_paid(p, batch_id, reference=reference, asked=CLI, now=now),
            )
        else:
            batch = run_with_pool(url, lambda p: batches.discard(p, batch_id, now=now))
    console.print(_summary(batch))


@app.command("approve")
def approve(batch_id: BatchId, data_dir: DataDir = None) -> None:
    """Approve a DRAFT batch: from then on it never changes."""
    _transition(data_dir, "approve", batch_id)


@app.command("pay")
def pay(
    batch_id: BatchId,
    reference: Annotated[str, typer.Option(help="The payment's reference.")],
    data_dir: DataDir = None,
) -> None:
    """Record that an APPROVED batch was paid."""
    _transition(data_dir, "pay", batch_id, reference)


@app.command("discard")
def discard(batch_id: BatchId, data_dir: DataDir = None) -> None:
    """Discard a DRAFT batch, to run the period again."""
    _transition(data_dir, "discard", batch_id)


@app.command("list")
def list_batches(data_dir: DataDir = None) -> None:
    """The latest batches, newest first."""
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors():
        found = run_in_transaction(url, lambda conn: repo.page(conn, after=None, limit=50))
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("batch", "status", "period end", "entries", "margin", "reference"):
        table.add_column(name)
    for batch in found:
        table.add_row(
            str(batch.id),
            batch.status,
            batch.period_end.isoformat(),
            str(batch.entries_count),
            f"{batch.operator_margin} {batch.currency}",
            batch.payment_reference or "",
        )
    console.print(table)


async def _export(conn: Conn, batch_id: int, fmt: str) -> str:
    batch = await repo.get(conn, batch_id)
    if batch is None:
        fail(f"no settlement batch {batch_id}")
    if fmt == "json":
        return await exports.batch_json(conn, batch)
    return await exports.statements_csv(conn, batch)


@app.command("export")
def export(
    batch_id: BatchId,
    output: Annotated[Path, typer.Option("--output", "-o", help="File to write (.csv or .json).")],
    data_dir: DataDir = None,
) -> None:
    """Write a batch's statements as CSV or JSON (by the file's extension)."""
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        fail("--output must end in .csv or .json")
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors():
        text = run_in_transaction(url, lambda conn: _export(conn, batch_id, fmt))
        output.write_text(text)
    console.print(f"wrote {output}")


def audit(data_dir: DataDir = None) -> None:
    """Check every ledger invariant (contract section 7); exit 1 if any is broken."""
    settings = settings_for(data_dir)
    with database(settings) as url, friendly_errors(), console.status("auditing..."):
        results = run_in_transaction(url, run_full_audit)
    table = Table(box=box.SIMPLE_HEAD)
    for name in ("check", "result", "first violations (ids)"):
        table.add_column(name)
    for result in results:
        shown = ", ".join(f"{a}/{b}" for a, b in result.violations[:5])
        table.add_row(result.name, "ok" if result.ok else "[red]VIOLATED[/red]", shown)
    console.print(table)
    if not all(result.ok for result in results):
        raise typer.Exit(1)
