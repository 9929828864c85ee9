"""``exchange keys ...``: bearer API keys (shown once, stored hashed), listed and revoked."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli import show
from exchange.cli.common import DataDir, console, database, fail, run_in_transaction, settings_for
from exchange.kit.db import Conn
from exchange.kit.ids import MAX_DB_ID
from partners import registry
from partners.errors import PartnerNotFound
from partners.keys import IssuedKey, KeyInfo, Role, create_key, list_keys, revoke_key

app = typer.Typer(help="API keys: create (shown once), list, revoke.", no_args_is_help=True)

WHOLE_KEY = re.compile(r"^((?:adm|fin|ptk)_[0-9a-f]{8})_\S+$")


class RoleName(StrEnum):
    admin = "admin"
    finance = "finance"
    partner = "partner"


ROLES: dict[RoleName, Role] = {
    RoleName.admin: "admin",
    RoleName.finance: "finance",
    RoleName.partner: "partner",
}


@app.command("create")
def create(
    role: Annotated[RoleName, typer.Option(help="Who the key acts as.")],
    partner: Annotated[
        str | None, typer.Option(help="Partner code (partner keys only).", show_default=False)
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="A label to recognise the key by.", show_default=False)
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Print only the key (for scripts).")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """Create a key and print it once."""
    if (role is RoleName.partner) != (partner is not None):
        fail("--partner CODE is required for partner keys, and only for them")
    if name is not None and not 0 < len(name.strip()) <= 200:
        fail("--name must be 1 to 200 characters")
    with database(settings_for(data_dir)) as url:
        issued = run_in_transaction(url, lambda conn: _create(conn, ROLES[role], partner, name))
    owner = partner.strip().upper() if partner else "operator"
    show.new_key(role.value, owner, issued.secret, quiet=quiet)


async def _create(conn: Conn, role: Role, partner_code: str | None, name: str | None) -> IssuedKey:
    partner_id = None
    if partner_code is not None:
        code = partner_code.strip().upper()
        try:
            partner_id = (await registry.get_partner(conn, code=code)).id
        except PartnerNotFound:
            raise PartnerNotFound(f"no partner with code {code}") from None
    return await create_key(
        conn, role=role, partner_id=partner_id, name=name.strip() if name else None
    )


@app.command("revoke")
def revoke(
    key: Annotated[
        str,
        typer.Argument(
            metavar="KEY_ID_OR_PREFIX", help="The key's id or prefix (e.g. ptk_3f9a1c2b)."
        ),
    ],
    data_dir: DataDir = None,
) -> None:
    """Revoke a key now: it stops authenticating at once."""
    key_id, prefix = parse_key_ref(key)
    with database(settings_for(data_dir)) as url:
        info = run_in_transaction(
            url, lambda conn: revoke_key(conn, key_id=key_id, prefix=prefix, at=datetime.now(UTC))
        )
    console.print(f"Revoked key {info.id} ({info.prefix}...{info.last_four}).")


def parse_key_ref(ref: str) -> tuple[int | None, str | None]:
    """A numeric id, a prefix, or a whole key (only its prefix is used)."""
    ref = ref.strip()
    if ref.isdigit() and int(ref) < MAX_DB_ID:
        return int(ref), None
    if whole := WHOLE_KEY.match(ref):
        return None, whole.group(1)
    if not ref or len(ref) > 16:
        fail(f"{ref!r} is neither a key id nor a key prefix such as ptk_3f9a1c2b")
    return None, ref


@app.command("list")
def list_(data_dir: DataDir = None) -> None:
    """List keys by prefix and last four characters (the keys themselves are not stored)."""
    with database(settings_for(data_dir)) as url:
        keys, codes = run_in_transaction(url, _keys_and_partners)
    console.print(key_table(keys, codes, now=datetime.now(UTC)))


async def _keys_and_partners(conn: Conn) -> tuple[list[KeyInfo], dict[int, str]]:
    partners = await registry.list_partners(conn)
    return await list_keys(conn), {p.id: p.code for p in partners}


def key_table(keys: list[KeyInfo], codes: dict[int, str], *, now: datetime) -> Table:
    table = Table(box=box.SIMPLE_HEAD)
    for column in ("Id", "Role", "Partner", "Name", "Key", "Created", "Status"):
        table.add_column(column, no_wrap=column != "Name")
    for k in keys:
        partner = codes.get(k.partner_id, "") if k.partner_id is not None else ""
        table.add_row(
            str(k.id),
            k.role,
            partner,
            k.name or "",
            f"{k.prefix}...{k.last_four}",
            f"{k.created_at:%Y-%m-%d}",
            key_status(k, now),
        )
    return table


def key_status(key: KeyInfo, now: datetime) -> str:
    if key.revoked_at is not None:
        return (
            "revoked" if key.revoked_at <= now else f"revoked from {key.revoked_at:%Y-%m-%d %H:%M}"
        )
    if key.expires_at is not None:
        return "expired" if key.expires_at <= now else f"expires {key.expires_at:%Y-%m-%d}"
    return "active"
