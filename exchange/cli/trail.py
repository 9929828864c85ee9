"""The CLI's part of the audit trail: every command that changes state records who ran it
(the operating system user and host), what (the command and its options, redacted) and how
it ended, in the database it works on.

The commands are listed here once (``AUDITED``) and wrapped at start-up; the event is written
when the command opens its database (``database()`` in exchange.cli.common), before it acts,
and the outcome when it leaves it: ``OK``, ``REFUSED`` with the refusal's code, or ``ERROR``."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import getpass
import logging
import socket
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
import typer
from psycopg.rows import dict_row

from exchange.kit import audit_trail
from exchange.kit.errors import ExchangeError

logger = logging.getLogger("exchange.audit")

Wanted = Callable[[dict[str, Any]], bool]


def _always(options: dict[str, Any]) -> bool:
    return True


AUDITED: dict[str, Wanted] = {
    "migrate": _always,
    "import": _always,
    "expire": _always,
    "keys create": _always,
    "keys revoke": _always,
    "partners create": _always,
    "partners billing": _always,
    "partners buy-block": _always,
    # without --base-rate it only lists the versions
    "partners earn-rules": lambda options: options.get("base_rate") is not None,
    # without a rate it only lists the versions
    "partners conversion-rules": lambda options: (
        options.get("in_rate") is not None or options.get("out_rate") is not None
    ),
    "webhooks rotate-signing-key": _always,
    "webhooks replay-dead-letters": _always,
    "settle run": _always,
    "settle approve": _always,
    "settle pay": _always,
    "settle discard": _always,
    "tiers review": _always,
    "members sessions revoke": _always,
    "burn-rules set": _always,
    "rewards add": _always,
    "rewards retire": _always,
    "campaigns create": _always,
    "campaigns update": _always,
    "campaigns end": _always,
    "campaigns segment-create": _always,
    "campaigns segment-add": _always,
    # without --type or --none it only lists the versions
    "bonuses types": lambda options: bool(options.get("event_type")) or bool(options.get("none")),
    "bonuses award": _always,
    # without the points options it only lists the versions
    "referrals program": lambda options: options.get("referrer_points") is not None,
    "referrals pay": _always,
    "outbox maintain": _always,
}

NOT_AUDITED = frozenset(
    {
        "serve",  # what it serves is audited request by request (--demo seeds a demo)
        "worker",  # scheduled jobs, not anyone's action
        "audit",
        "audit-log",
        "check-config",  # reads the settings only
        "db url",
        "db psql",
        "keys list",
        "partners list",
        "webhooks dead-letters",
        "settle list",
        "settle export",
        "report program",
        "report liability",
        "members sessions list",
        "burn-rules show",
        "burn-rules history",
        "rewards list",
        "campaigns list",
        "campaigns verify-draw",
    }
)
"""Commands that change nothing (a test insists every command is in one of the two lists)."""

_pending: ContextVar[audit_trail.Action | None] = ContextVar("audit_pending", default=None)
_refusal: ContextVar[str | None] = ContextVar("audit_refusal", default=None)


def actor() -> str:
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "unknown"
    return f"{user}@{socket.gethostname()}"


def _plain(options: dict[str, Any]) -> dict[str, Any]:
    return {
        name: str(value) if isinstance(value, Path) else value
        for name, value in options.items()
        if name != "data_dir"
    }


def _wrap(name: str, wanted: Wanted, command: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(command)
    def run(**options: Any) -> Any:
        action = None
        if wanted(options):
            action = audit_trail.Action(
                source="cli",
                principal="cli",
                operation=name,
                input=_plain(options),
                actor=actor(),
            )
        token = _pending.set(action)
        try:
            return command(**options)
        finally:
            _pending.reset(token)

    return run


def audit_state_changes(app: typer.Typer, prefix: str = "") -> None:
    """Wrap the state-changing commands of ``app`` and its groups (see ``AUDITED``)."""
    for info in app.registered_commands:
        assert info.callback is not None
        name = prefix + (info.name or info.callback.__name__.replace("_", "-"))
        if name in AUDITED:
            info.callback = _wrap(name, AUDITED[name], info.callback)
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        audit_state_changes(group.typer_instance, f"{prefix}{group.name} ")


def refused(code: str) -> None:
    """The command is about to stop on a business refusal with this code."""
    _refusal.set(code)


async def _write(url: str, action: audit_trail.Action | None, ending: Ending | None) -> int | None:
    async with await psycopg.AsyncConnection.connect(
        url, row_factory=dict_row, autocommit=True
    ) as conn:
        cur = await conn.execute("SELECT to_regclass('audit_events') IS NOT NULL AS ready")
        ready = await cur.fetchone()
        if not (ready and ready["ready"]):
            return None
        event_id = ending.event_id if ending else None
        if action is not None:
            event_id = await audit_trail.record(conn, action)
        if ending is not None and event_id is not None:
            await audit_trail.finish(conn, event_id, ending.outcome, ending.codes)
        return event_id


@dataclass(frozen=True)
class Ending:
    event_id: int | None
    outcome: audit_trail.Outcome
    codes: list[str]


def _ending(event_id: int | None, error: BaseException | None) -> Ending:
    if error is None or (isinstance(error, typer.Exit) and error.exit_code == 0):
        return Ending(event_id, "OK", [])
    code = error.code if isinstance(error, ExchangeError) else _refusal.get()
    if code is not None:
        return Ending(event_id, "REFUSED", [code])
    if isinstance(error, typer.Exit):
        return Ending(event_id, "ERROR", [f"EXIT_{error.exit_code}"])
    return Ending(event_id, "ERROR", [type(error).__name__])


@contextlib.contextmanager
def recorded(url: str) -> Iterator[None]:
    """Around the first database use of an audited command: its event, then its outcome. A
    database without the trail yet (``migrate`` on an empty one) gets both at the end."""
    action = _pending.get()
    if action is None:
        yield
        return
    _pending.set(None)
    _refusal.set(None)
    event_id = asyncio.run(_write(url, action, None))
    error: BaseException | None = None
    try:
        yield
    except BaseException as exc:
        error = exc
        raise
    finally:
        try:
            later = action if event_id is None else None
            asyncio.run(_write(url, later, _ending(event_id, error)))
        except Exception:
            logger.exception("the audit outcome of `%s` could not be written", action.operation)
