"""``exchange outbox maintain``: the outbox's monthly partitions by hand (the worker runs the
same once a day)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from exchange.cli.common import (
    DataDir,
    console,
    database,
    friendly_errors,
    run_with_pool,
    settings_for,
)
from exchange.kit import clock
from exchange.kit.db import Pool
from exchange.ledger import outbox_partitions
from exchange.ledger.outbox_partitions import Maintenance

app = typer.Typer(help="The outbox: its monthly partitions.", no_args_is_help=True)


@app.command("maintain")
def maintain(
    retention_days: Annotated[
        int | None,
        typer.Option(
            min=7,
            help="Archive months that ended longer ago (default: EXCHANGE_OUTBOX_RETENTION_DAYS).",
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Make this month's and the next two months' partitions; archive old months that no
    delivery needs any more (moved to the schema outbox_archive, nothing deleted)."""
    settings = settings_for(data_dir)
    retention = timedelta(days=retention_days or settings.outbox_retention_days)

    async def work(pool: Pool) -> Maintenance:
        return await outbox_partitions.maintain(pool, now=clock.now(), retention=retention)

    with database(settings) as url, friendly_errors():
        done = run_with_pool(url, work)
    console.print(f"Created: {', '.join(done.created) or 'none'}")
    console.print(
        f"Archived (schema {outbox_partitions.ARCHIVE}): {', '.join(done.archived) or 'none'}"
    )
    if done.kept:
        console.print(f"Kept online (still needed, or busy): {', '.join(done.kept)}")
