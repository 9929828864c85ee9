"""``exchange import FILE --partner CODE``: a partner's earn file through the bulk import."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exchange.cli.common import (
    DataDir,
    console,
    database,
    errors,
    friendly_errors,
    run_with_pool,
    settings_for,
)
from exchange.kit.db import Pool, transaction
from exchange.ledger.importing import ImportJob, LineError, line_errors
from partners import importing
from partners.import_files import format_of

ERROR_COLUMNS = ("line", "idempotencyKey", "code", "message")


def write_errors(path: Path, rows: list[LineError]) -> None:
    with path.open("w", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(ERROR_COLUMNS)
        for row in rows:
            writer.writerow((row.line_no, row.idempotency_key or "", row.code, row.message))


class Bar:
    """The rich progress bars: lines read and staged; lines posted (of those read so far)."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.read = 0
        self.staging = progress.add_task("reading", total=None)
        self.posting = progress.add_task("posting", total=None)

    def __call__(self, step: importing.Progress) -> None:
        if step.phase == "staging":
            self.read = step.done
            self.progress.update(self.staging, completed=step.done)
        elif step.phase == "posting":
            self.progress.update(self.posting, completed=step.done, total=self.read)
        else:
            self.progress.update(self.staging, total=self.read, completed=self.read)
            self.progress.update(self.posting, total=self.read, completed=self.read)


async def _run(
    pool: Pool, path: Path, partner: str, currency: str
) -> tuple[ImportJob, list[LineError]]:
    partner_id = await importing.partner_id_of(pool, partner)
    job, _ = await importing.new_job(
        pool, partner_id=partner_id, format=format_of(path.name), file_name=path.name
    )
    columns = (
        TextColumn("{task.description:>8}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with (
        Progress(*columns, console=errors, transient=False) as progress,
        path.open(encoding="utf-8-sig", newline="") as text,
    ):
        finished = await importing.run_job(pool, job, text, currency=currency, hook=Bar(progress))
    async with transaction(pool) as conn:
        return finished, await line_errors(conn, job.id)


def import_file(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl or .csv file of earns.")
    ],
    partner: Annotated[str, typer.Option(help="The code of the partner whose earns these are.")],
    errors_csv: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Where to write the rejected lines (default: FILE.errors.csv, if any).",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Import a partner's earn file (JSONL or CSV): each line earns points as earnPoints
    would; lines already imported change nothing; rejected lines go to an error report."""
    settings = settings_for(data_dir)
    with friendly_errors():
        format_of(file.name)
    with database(settings) as url, friendly_errors():
        job, rejected = run_with_pool(
            url, lambda pool: _run(pool, file, partner, settings.currency)
        )
    console.print(
        f"Import {job.id}: {job.lines_total} lines read, {job.lines_posted} posted,"
        f" {job.lines_already} already imported, {job.lines_rejected} rejected."
    )
    if rejected:
        report = errors_csv or file.with_name(file.name + ".errors.csv")
        write_errors(report, rejected)
        console.print(f"Rejected lines: {report}")
