"""What every command shares: the consoles, ``--data-dir``, the database, and clean errors."""

from __future__ import annotations

import asyncio
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar

import psycopg
import sqlalchemy.exc
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.text import Text

from exchange.cli import trail
from exchange.kit import embedded
from exchange.kit.db import Conn, Pool, open_pool, resolve_database_url, transaction
from exchange.kit.errors import ExchangeError
from exchange.kit.production import ProductionRefused
from exchange.kit.settings import Settings, get_settings
from exchange.migrations import current_revision, head_revision, is_current

T = TypeVar("T")

console = Console(highlight=False)
errors = Console(stderr=True, highlight=False)

USAGE_ERROR = 2
"""Exit code for input the command cannot act on (as click uses for bad options)."""

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="EXCHANGE_DATA_DIR",
        help="Where the embedded PostgreSQL keeps its data (when EXCHANGE_DATABASE_URL is unset).",
        show_default=False,
        file_okay=False,
    ),
]


def fail(message: str, code: int = USAGE_ERROR) -> NoReturn:
    """One line on stderr, no traceback, and a non-zero exit code."""
    errors.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
    raise typer.Exit(code)


def setting_errors(error: ValidationError) -> list[str]:
    """One line per problem: a value that does not parse (named by its variable), or each
    rule production refuses."""
    lines = []
    for problem in error.errors():
        cause = problem.get("ctx", {}).get("error")
        if isinstance(cause, ProductionRefused):
            lines.extend(cause.problems)
            continue
        message = str(problem["msg"]).removeprefix("Value error, ")
        names = "".join(f"EXCHANGE_{str(part).upper()}: " for part in problem["loc"][:1])
        lines.append(f"{names}{message}")
    return lines


def settings_for(data_dir: Path | None) -> Settings:
    """The environment's settings, with ``--data-dir`` taking precedence."""
    try:
        settings = get_settings()
    except ValidationError as error:
        *first, last = setting_errors(error)
        for line in first:
            errors.print(
                Text.assemble(("error: ", "bold red"), f"settings: {line}"), soft_wrap=True
            )
        fail(f"settings: {last}")
    if data_dir is None:
        return settings
    return settings.model_copy(update={"data_dir": data_dir})


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn the refusals and failures a user can act on into one line and an exit code."""
    try:
        yield
    except ExchangeError as error:
        trail.refused(error.code)
        fail(f"{error.message} ({error.code})")
    except psycopg.Error as error:
        fail(f"database: {_first_line(str(error))}", 1)
    except sqlalchemy.exc.DBAPIError as error:
        fail(f"database: {_first_line(str(error.orig))}", 1)
    except subprocess.SubprocessError as error:
        fail(
            f"the embedded PostgreSQL did not start ({error}); see the log in its data directory", 1
        )
    except OSError as error:
        fail(str(error), 1)


def _first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else "unknown error"


@contextmanager
def database(settings: Settings, *, require_migrated: bool = True) -> Iterator[str]:
    """The database URL; the embedded server (if this started it) is left again on exit."""
    started = settings.database_url is None
    try:
        with friendly_errors():
            try:
                url = resolve_database_url(settings)
            except ValueError as error:  # a URL that is not PostgreSQL's
                fail(f"EXCHANGE_DATABASE_URL: {error}")
            if require_migrated:
                ensure_migrated(url)
            with trail.recorded(url):
                yield url
    finally:
        if started:
            embedded.stop()


def ensure_migrated(url: str) -> None:
    if not is_current(url):
        current = current_revision(url) or "empty"
        fail(
            f"the database is not migrated (at {current}, code expects {head_revision()});"
            " run `exchange migrate` first"
        )


def describe(settings: Settings) -> str:
    if settings.database_url:
        return "PostgreSQL from EXCHANGE_DATABASE_URL"
    return f"embedded PostgreSQL in {settings.data_dir.expanduser().resolve()}"


def run_in_transaction(url: str, work: Callable[[Conn], Awaitable[T]]) -> T:
    """Run one async unit of work in one database transaction, from synchronous code."""

    async def main() -> T:
        async with pool_for(url) as pool, transaction(pool) as conn:
            return await work(conn)

    return asyncio.run(main())


def run_with_pool(url: str, work: Callable[[Pool], Awaitable[T]]) -> T:
    async def main() -> T:
        async with pool_for(url) as pool:
            return await work(pool)

    return asyncio.run(main())


@asynccontextmanager
async def pool_for(url: str) -> AsyncIterator[Pool]:
    """A small pool for one command, closed when the command is done."""
    pool = await open_pool(url, size=2)
    try:
        yield pool
    finally:
        await pool.close()
