"""``exchange check-config`` (and ``exchange serve --check-config``): the settings this process
would run with, and every one production refuses, before anything starts."""

from __future__ import annotations

from typing import Annotated, NoReturn
from urllib.parse import urlsplit, urlunsplit

import typer
from pydantic import ValidationError
from rich import box
from rich.table import Table
from rich.text import Text

from exchange.cli.common import console, errors, setting_errors
from exchange.kit.production import production_problems
from exchange.kit.settings import Settings, get_settings

REFUSED = 1
"""Exit code when a setting is refused (as ``exchange audit`` exits 1 on a violation)."""


def check_config(
    production: Annotated[
        bool,
        typer.Option(
            "--production", help="Check by production's rules whatever EXCHANGE_ENV says."
        ),
    ] = False,
) -> None:
    """Check the EXCHANGE_* settings: print them (secrets hidden) and every one production
    refuses; exit 1 if any is refused."""
    report(production=production)


def report(*, production: bool = False) -> None:
    """Print the settings and their problems; ``typer.Exit(1)`` when one is refused."""
    get_settings.cache_clear()
    try:
        settings = get_settings()
    except ValidationError as error:
        _refuse(setting_errors(error))
    console.print(summary(settings))
    problems = production_problems(settings)
    if production or settings.env == "production":
        if problems:
            _refuse(problems)
        console.print("The settings are safe for production.")
        return
    for problem in problems:
        console.print(f"note: production would refuse: {problem}", soft_wrap=True)
    console.print("The settings are fine for development (EXCHANGE_ENV=development).")


def _refuse(problems: list[str]) -> NoReturn:
    for problem in problems:
        errors.print(Text.assemble(("refused: ", "bold red"), problem), soft_wrap=True)
    errors.print(f"{len(problems)} setting(s) refused; nothing was started.")
    raise typer.Exit(REFUSED)


def summary(settings: Settings) -> Table:
    table = Table(box=box.SIMPLE_HEAD, title="Settings")
    table.add_column("variable")
    table.add_column("value")
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    rows = {
        "EXCHANGE_ENV": settings.env,
        "EXCHANGE_DATABASE_URL": hide_password(settings.database_url) or "unset (embedded)",
        "EXCHANGE_READ_REPLICA_URL": hide_password(settings.read_replica_url) or "unset",
        "EXCHANGE_PUBLIC_URL": settings.public_url or "unset",
        "EXCHANGE_SECRET_KEY": f"set ({len(secret)} characters)" if secret else "unset",
        "EXCHANGE_INTROSPECTION": "on" if settings.introspection_enabled else "off",
        "EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": str(settings.webhook_allow_private_targets),
        "EXCHANGE_LOGIN_CODE_SENDER": settings.code_sender,
        "EXCHANGE_DEBUG": str(settings.debug),
        "EXCHANGE_POOL_SIZE": str(settings.pool_size),
    }
    for name, value in rows.items():
        table.add_row(name, value)
    return table


def hide_password(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))
