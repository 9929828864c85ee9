"""``exchange members sessions list|revoke``: a member's web sessions and app tokens, and
ending them all (as the ``revokeMemberSessions`` mutation does)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, TypeVar

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
    settings_for,
)
from exchange.cli.values import db_id
from exchange.kit import clock
from exchange.kit.db import Conn
from exchange.ledger import members
from exchange.ledger.errors import MemberNotFound
from exchange.portal import sessions

T = TypeVar("T")

app = typer.Typer(help="Members: their sessions.", no_args_is_help=True)
sessions_app = typer.Typer(
    help="A member's web sessions and app tokens: list them, revoke them all.",
    no_args_is_help=True,
)
app.add_typer(sessions_app, name="sessions")

Id = Annotated[
    str | None,
    typer.Option(
        "--id", help="The member's id (a number, or its GraphQL global id).", show_default=False
    ),
]
Email = Annotated[str | None, typer.Option(help="The member's email.", show_default=False)]
Phone = Annotated[str | None, typer.Option(help="The member's phone (E.164).", show_default=False)]
Card = Annotated[
    str | None, typer.Option(help="One of the member's card numbers.", show_default=False)
]


@dataclass(frozen=True)
class Who:
    """How the command names the member: exactly one of them."""

    id: str | None
    email: str | None
    phone: str | None
    card: str | None

    async def find(self, conn: Conn) -> int:
        return await members.find(
            conn,
            partner_id=None,
            member_id=None if self.id is None else db_id(self.id.strip(), "Member", MemberNotFound),
            email=self.email,
            phone=self.phone,
            card_number=self.card,
        )


def _for_member(
    who: Who, data_dir: Path | None, work: Callable[[Conn, int], Awaitable[T]]
) -> tuple[int, T]:
    """Find the member and do ``work`` for it in one transaction."""
    if sum(value is not None for value in (who.id, who.email, who.phone, who.card)) != 1:
        fail("name the member with exactly one of --id, --email, --phone and --card")

    async def run(conn: Conn) -> tuple[int, T]:
        member_id = await who.find(conn)
        return member_id, await work(conn, member_id)

    with database(settings_for(data_dir)) as url, friendly_errors():
        return run_in_transaction(url, run)


@sessions_app.command("list")
def list_sessions(
    id: Id = None,
    email: Email = None,
    phone: Phone = None,
    card: Card = None,
    data_dir: DataDir = None,
) -> None:
    """The member's sessions that still work (web cookies and mbr_ app tokens)."""
    member_id, live = _for_member(
        Who(id, email, phone, card),
        data_dir,
        lambda conn, member_id: sessions.live_sessions(conn, member_id, clock.now()),
    )
    table = Table(box=box.SIMPLE_HEAD, title=f"Live sessions of member {member_id}")
    for column in ("Session", "Kind", "Expires"):
        table.add_column(column)
    for session in live:
        table.add_row(str(session.id), session.kind, session.expires_at.isoformat())
    console.print(table)


@sessions_app.command("revoke")
def revoke(
    id: Id = None,
    email: Email = None,
    phone: Phone = None,
    card: Card = None,
    data_dir: DataDir = None,
) -> None:
    """End every session and app token of the member at once; it may log in again."""
    member_id, revoked = _for_member(
        Who(id, email, phone, card),
        data_dir,
        lambda conn, member_id: sessions.revoke_member_sessions(conn, member_id, clock.now()),
    )
    console.print(f"Member {member_id}: {revoked} session(s) revoked.")
