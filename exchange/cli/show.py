"""Rich output shared by the commands: key tables, the demo banner, the curl to try."""

from __future__ import annotations

from collections.abc import Sequence

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from exchange.cli.common import console
from exchange.cli.demo import CURL_PARTNER, DemoCoalition, earn_curl

ONCE = "Keys are shown only this once: only their SHA-256 hashes are stored."


def print_secrets(rows: Sequence[tuple[str, str, str]], *, title: str) -> None:
    """(role, owner, key) rows in a table never too narrow for a whole key: a key shown once
    is never cut or folded, even if a narrow terminal has to wrap the line."""
    table = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left")
    table.add_column("Role", no_wrap=True)
    table.add_column("Owner", no_wrap=True)
    table.add_column("API key", no_wrap=True, style="bold green")
    for role, owner, key in rows:
        table.add_row(role, owner, key)
    needed = max(len(role) + len(owner) + len(key) for role, owner, key in rows) + 12
    width = max(console.width, needed)
    Console(file=console.file, width=width, force_terminal=console.is_terminal).print(table)
    console.print(Text(ONCE, style="yellow"))


def new_key(role: str, owner: str, secret: str, *, quiet: bool) -> None:
    if quiet:
        console.out(secret, highlight=False)
        return
    print_secrets([(role, owner, secret)], title="New API key")


def plain(line: str) -> None:
    """A line to copy (a command, a URL): never wrapped, no markup."""
    console.print(line, soft_wrap=True, markup=False, highlight=False)


def demo(coalition: DemoCoalition, *, base_url: str, currency: str, data_dir_flag: str) -> None:
    if coalition.created:
        console.rule("[bold]Demo coalition created")
        rows = [(k.role, k.partner_code or "operator", k.secret) for k in coalition.keys]
        print_secrets(rows, title="API keys")
    else:
        console.rule("[bold]Demo coalition already seeded (nothing added)")
        console.print(
            "Its API keys were shown when it was created and cannot be shown again"
            " (only their hashes are stored). Make a new partner key with:"
        )
        plain(
            f"  export PARTNER_KEY=$(exchange keys create --role partner"
            f" --partner {CURL_PARTNER} --quiet{data_dir_flag})"
        )
    demo_members(coalition)
    _try_it(coalition, base_url=base_url, currency=currency)


def demo_members(coalition: DemoCoalition) -> None:
    table = Table(title="Members", box=box.SIMPLE_HEAD, title_justify="left")
    for column in ("Member id", "Card number", "Email", "Phone"):
        table.add_column(column, no_wrap=True)
    table.add_column("Points", justify="right")
    for m in coalition.members:
        table.add_row(m.global_id, m.card_number, m.email, m.phone, str(m.balance))
    console.print(table)


def _try_it(coalition: DemoCoalition, *, base_url: str, currency: str) -> None:
    if not coalition.members:
        return
    graphql = f"{base_url}/graphql"
    console.print(
        f"Earn points for {coalition.members[0].email} at {CURL_PARTNER}"
        " (25.00; the same idempotencyKey again returns the same transaction):"
    )
    plain(
        earn_curl(
            url=graphql,
            key=coalition.key_for(CURL_PARTNER),
            member_id=coalition.members[0].global_id,
            currency=currency,
        )
    )
    console.print(
        f"GraphiQL: open {graphql} in a browser and set the header"
        ' {"Authorization": "Bearer <key>"} in its Headers tab.',
        soft_wrap=True,
    )
    console.print()
