"""``exchange tiers review [--as-of ISO]``: the scheduled tier review (downgrades after the
grace, paid tiers that ended), a chunk of members per transaction; ``exchange worker`` also
runs it once a day."""

from __future__ import annotations

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
from exchange.cli.expire import parse_as_of
from exchange.kit import clock
from partners.tiers import reviewing

app = typer.Typer(help="Program tiers: the scheduled review.", no_args_is_help=True)


@app.command()
def review(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Review as of this instant (ISO 8601 with an offset, not in the future)."
            " Default: now.",
            show_default=False,
        ),
    ] = None,
    data_dir: DataDir = None,
) -> None:
    """Review the members whose tier came up for review or whose paid tier ended: lower those
    below their tier's threshold once the grace is over; running again changes nothing more."""
    settings = settings_for(data_dir)
    instant = parse_as_of(as_of)
    with friendly_errors():
        reviewing.check_as_of(instant, clock.now())
    with database(settings) as url, friendly_errors():
        run = run_with_pool(url, lambda pool: reviewing.run_review(pool, as_of=instant))
    console.print(
        f"Reviewed {run.reviewed:,} members as of {run.as_of.isoformat()}: {run.kept:,} kept,"
        f" {run.raised:,} raised, {run.lowered:,} lowered, {run.in_grace:,} in their grace."
    )
    console.print(f"{run.events:,} member.tier_changed events.")
