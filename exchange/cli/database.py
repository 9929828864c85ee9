"""``exchange migrate`` and ``exchange db ...``: the schema and the embedded server."""

from __future__ import annotations

import subprocess

import typer

from exchange.cli.common import DataDir, console, database, describe, errors, settings_for
from exchange.kit import embedded
from exchange.migrations import current_revision, head_revision, is_current, upgrade

app = typer.Typer(help="The database: its URL, a psql shell.", no_args_is_help=True)

EMBEDDED_NOTE = (
    "note: the embedded server runs while an exchange process uses it (`exchange serve`);"
    " `exchange db psql` keeps it running for a psql session."
)


def migrate(data_dir: DataDir = None) -> None:
    """Apply the Alembic migrations up to the newest revision."""
    settings = settings_for(data_dir)
    with database(settings, require_migrated=False) as url:
        before = current_revision(url)
        if is_current(url):
            console.print(f"Already at the newest revision {before} ({describe(settings)}).")
            return
        upgrade(url)
        console.print(
            f"Migrated {before or 'an empty database'} -> {head_revision()} ({describe(settings)})."
        )


@app.command("url")
def url(data_dir: DataDir = None) -> None:
    """Print the libpq URL of the database (the embedded server's, started if needed)."""
    settings = settings_for(data_dir)
    with database(settings, require_migrated=False) as found:
        console.out(found, highlight=False)
    if settings.database_url is None:
        errors.print(EMBEDDED_NOTE, markup=False, soft_wrap=True)


@app.command("psql")
def psql(data_dir: DataDir = None) -> None:
    """Open the psql shipped with the embedded server on the database."""
    settings = settings_for(data_dir)
    with database(settings, require_migrated=False) as found:
        program = embedded.bin_path("psql")
        code = subprocess.call([str(program), found])  # noqa: S603 - our own binary and URL
    raise typer.Exit(code)
