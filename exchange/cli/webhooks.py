"""``exchange webhooks ...``: the exchange's Ed25519 signing keys, and the dead letters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
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
    run_with_pool,
    settings_for,
)
from exchange.kit.db import Conn, Pool
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id, to_global_id
from exchange.kit.secrets_box import SecretBox
from partners.webhooks import replay, signing_keys
from partners.webhooks.replay import DeadLetters
from partners.webhooks.signing_keys import SigningKey

app = typer.Typer(help="Webhook signing keys; dead letters.", no_args_is_help=True)


@app.command("rotate-signing-key")
def rotate_signing_key(
    overlap_hours: Annotated[
        float,
        typer.Option(
            min=0,
            max=720,
            help="How long the current keys keep signing beside the new one (0: stop now).",
        ),
    ] = 24.0,
    data_dir: DataDir = None,
) -> None:
    """Make a new Ed25519 signing key; both sign during the overlap (two v1a signatures)."""
    settings = settings_for(data_dir)
    overlap = timedelta(hours=overlap_hours)
    secret_box = SecretBox.from_settings(settings)

    async def rotate(conn: Conn) -> tuple[SigningKey, list[SigningKey]]:
        return await signing_keys.rotate(conn, secret_box, now=datetime.now(UTC), overlap=overlap)

    with database(settings) as url:
        new, retiring = run_in_transaction(url, rotate)
    console.print(key_table(new, retiring))
    console.print(
        "Receivers read the public keys at GET /.well-known/webhook-keys; workers sign with"
        " the new key within 30 seconds."
    )


def key_table(new: SigningKey, retiring: list[SigningKey]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Key id", "Public key (base64)", "Signs until"):
        table.add_column(column, no_wrap=True)
    table.add_row(new.kid, new.public_key, "new: signs from now on")
    for key in retiring:
        until = "" if key.retires_at is None else f"{key.retires_at:%Y-%m-%d %H:%M} UTC"
        table.add_row(key.kid, key.public_key, until)
    return table


@app.command("dead-letters")
def dead_letters(data_dir: DataDir = None) -> None:
    """Endpoints whose deliveries gave up after the last retry, with their count."""
    settings = settings_for(data_dir)
    with database(settings) as url:
        found = run_in_transaction(url, replay.dead_letters)
    if not found:
        console.print("No dead letters.")
        return
    console.print(dead_letter_table(found))
    console.print("Send them again with: exchange webhooks replay-dead-letters ENDPOINT_ID")


def dead_letter_table(found: list[DeadLetters]) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Endpoint id", "Partner", "URL", "Status", "Dead", "Last error"):
        table.add_column(column)
    for row in found:
        table.add_row(
            to_global_id("WebhookEndpoint", row.endpoint_id),
            row.partner_code,
            row.url,
            row.status,
            str(row.dead),
            row.last_error or "",
        )
    return table


@app.command("replay-dead-letters")
def replay_dead_letters(
    endpoint: Annotated[
        str, typer.Argument(help="The endpoint's id (as `exchange webhooks dead-letters` shows).")
    ],
    data_dir: DataDir = None,
) -> None:
    """Make every dead delivery of an active endpoint due again now (replayDeadLetters)."""
    settings = settings_for(data_dir)
    try:
        endpoint_id = expect_global_id(endpoint, "WebhookEndpoint")
    except NotFound:
        fail(f"no webhook endpoint with id {endpoint!r}")

    async def work(pool: Pool) -> int:
        now = datetime.now(UTC)
        return await replay.replay_dead_letters(pool, endpoint_id=endpoint_id, scope=None, now=now)

    with database(settings) as url, friendly_errors():
        replayed = run_with_pool(url, work)
    console.print(f"{replayed} dead deliveries due again now; a running worker sends them.")
