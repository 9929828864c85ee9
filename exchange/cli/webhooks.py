"""``exchange webhooks ...``: the exchange's Ed25519 signing keys."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli.common import DataDir, console, database, run_in_transaction, settings_for
from exchange.kit.db import Conn
from exchange.kit.secrets_box import SecretBox
from partners.webhooks import signing_keys
from partners.webhooks.signing_keys import SigningKey

app = typer.Typer(help="Webhook signing keys.", no_args_is_help=True)


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
