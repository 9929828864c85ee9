"""The ``exchange`` command: serve the gateway, migrate, manage partners and API keys."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from typing import Annotated

import typer

from exchange.cli import (
    bonuses,
    burn_rules,
    campaigns,
    database,
    importing,
    keys,
    members,
    outbox,
    partners,
    referrals,
    report,
    rewards,
    settle,
    tiers,
    trail,
    webhooks,
)
from exchange.cli.audit_log import audit_log
from exchange.cli.check_config import check_config
from exchange.cli.conversion_rules import conversion_rules
from exchange.cli.earn_rules import earn_rules
from exchange.cli.expire import expire
from exchange.cli.serve import serve
from exchange.cli.worker import worker

app = typer.Typer(
    name="exchange",
    help="A coalition loyalty points exchange. Settings come from EXCHANGE_* variables.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
app.command()(serve)
app.command()(database.migrate)
app.command("check-config")(check_config)
app.command("import")(importing.import_file)
app.command()(expire)
app.command()(worker)
app.command()(settle.audit)
app.add_typer(database.app, name="db")
app.add_typer(keys.app, name="keys")
partners.app.command("earn-rules")(earn_rules)
partners.app.command("conversion-rules")(conversion_rules)
app.add_typer(partners.app, name="partners")
app.add_typer(webhooks.app, name="webhooks")
app.add_typer(settle.app, name="settle")
app.add_typer(report.app, name="report")
app.add_typer(tiers.app, name="tiers")
app.add_typer(members.app, name="members")
app.add_typer(burn_rules.app, name="burn-rules")
app.add_typer(rewards.app, name="rewards")
app.add_typer(campaigns.app, name="campaigns")
app.add_typer(bonuses.app, name="bonuses")
app.add_typer(referrals.app, name="referrals")
app.add_typer(outbox.app, name="outbox")
app.command("audit-log")(audit_log)
trail.audit_state_changes(app)


def _version(value: bool) -> None:
    if value:
        try:
            typer.echo(version("points-exchange"))
        except PackageNotFoundError:
            typer.echo("unknown (not installed)")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """A coalition loyalty points exchange. Settings come from EXCHANGE_* variables."""


if __name__ == "__main__":
    app()
