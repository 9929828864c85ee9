"""``exchange expire [--as-of ISO]``: expire the points due now (or at an earlier instant) by
the program's expiry policy, a chunk of members per transaction, with a progress bar."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from exchange.cli.common import (
    DataDir,
    console,
    database,
    errors,
    fail,
    friendly_errors,
    run_with_pool,
    settings_for,
)
from exchange.kit import clock
from exchange.kit.db import Pool
from exchange.ledger import expiry, expiry_warnings
from exchange.ledger.expiry import ExpiryPolicy, ExpiryRun


def parse_as_of(text: str | None) -> datetime:
    """An ISO 8601 instant with an offset (``Z`` or ``+02:00``); default now."""
    if text is None:
        return clock.now()
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--as-of {text!r} is not an ISO 8601 date-time such as 2026-01-01T00:00:00Z")
    if value.tzinfo is None:
        fail(f"--as-of {text!r} has no UTC offset; add Z or an offset such as +02:00")
    return clock.ensure_utc(value)


class Bar:
    """The progress bar: members looked at, of those due when the run started."""

    def __init__(self, progress: Progress) -> None:
        self.progress = progress
        self.task = progress.add_task("members", total=None, points=0)
        self.checked = 0

    def __call__(self, step: expiry.Progress) -> None:
        self.checked = step.checked
        self.progress.update(
            self.task, completed=step.checked, total=step.due, points=step.run.points
        )

    def finish(self) -> None:
        self.progress.update(self.task, completed=self.checked, total=self.checked)


async def _run(pool: Pool, as_of: datetime, policy: ExpiryPolicy) -> ExpiryRun:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[points]:,} points"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=errors, transient=False) as progress:
        bar = Bar(progress)
        run = await expiry.run_expiry(pool, as_of=as_of, policy=policy, progress=bar)
        bar.finish()
    return run


def describe_policy(policy: ExpiryPolicy) -> str:
    if policy.rule == "inactivity":
        return f"lot validity, and all points after {policy.inactivity.days} days without activity"
    return "lot validity" if policy.rule == "lot_validity" else "none"


def expire(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Expire what is due at this instant (ISO 8601 with an offset, not in the"
            " future). Default: now.",
            show_default=False,
        ),
    ] = None,
    warn: Annotated[
        bool,
        typer.Option(
            "--warn",
            help="Then warn of points expiring within EXCHANGE_EXPIRY_WARNING_DAYS of --as-of:"
            " one points.expiring event per member and date, never twice.",
        ),
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Expire the points due by the expiry policy (EXCHANGE_EXPIRY_POLICY): held points and
    closed members' points stay; running again expires nothing more. With --warn, warn of
    what expires next."""
    settings = settings_for(data_dir)
    policy = ExpiryPolicy.from_settings(settings)
    instant = parse_as_of(as_of)
    with friendly_errors():
        expiry.check_as_of(instant, clock.now())
    if policy.rule == "none":
        console.print("The expiry policy is none (EXCHANGE_EXPIRY_POLICY): nothing expires.")
        return
    with database(settings) as url, friendly_errors():
        run = run_with_pool(url, lambda pool: _run(pool, instant, policy))
    console.print(
        f"Expired {run.points:,} points of {run.members:,} members as of {run.as_of.isoformat()}."
    )
    console.print(
        f"{run.entries:,} EXPIRY transactions, {run.events:,} points.expired events."
        f" Policy: {describe_policy(policy)}."
    )
    if warn:
        days = settings.expiry_warning_days
        with database(settings) as url, friendly_errors():
            warned = run_with_pool(
                url, lambda pool: expiry_warnings.warn_expiring(pool, as_of=instant, days=days)
            )
        console.print(
            f"{warned.warnings:,} points.expiring events for points expiring by"
            f" {warned.until.date().isoformat()} ({days} days; EXCHANGE_EXPIRY_WARNING_DAYS)."
        )
