"""``exchange audit-log``: the audit trail, newest first (see exchange.kit.audit_trail)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from exchange.cli.common import DataDir, console, database, fail, run_in_transaction, settings_for
from exchange.kit import audit_trail
from exchange.kit.clock import ensure_utc

OUTCOMES = ("OK", "REFUSED", "ERROR", "NONE")


def _instant(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return ensure_utc(datetime.fromisoformat(text))
    except ValueError:
        fail(f"{option} must be an ISO 8601 time with an offset, e.g. 2026-11-30T00:00:00Z")


def audit_log(
    operation: Annotated[
        str | None, typer.Option(help="Only this mutation or command, e.g. createApiKey.")
    ] = None,
    principal: Annotated[
        str | None, typer.Option(help="Only admin, finance, partner or cli.")
    ] = None,
    since: Annotated[str | None, typer.Option(help="From this instant on (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option(help="Before this instant (ISO 8601).")] = None,
    outcome: Annotated[
        str | None, typer.Option(help="Only OK, REFUSED, ERROR or NONE (no outcome recorded).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 50,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object a line instead of a table.")
    ] = False,
    data_dir: DataDir = None,
) -> None:
    """The audit trail, newest first: who did what to the program, when and from where."""
    if outcome is not None and outcome not in OUTCOMES:
        fail(f"--outcome must be one of {', '.join(OUTCOMES)}")
    where = audit_trail.Filter(
        operation=operation,
        principal=principal,
        since=_instant(since, "--since"),
        until=_instant(until, "--until"),
        outcomes=[outcome] if outcome else [],
    )
    with database(settings_for(data_dir)) as url:
        events = run_in_transaction(
            url, lambda conn: audit_trail.page(conn, where, after=None, limit=limit)
        )
    if as_json:
        for event in events:
            typer.echo(json.dumps(_plain(event), sort_keys=True))
        return
    console.print(_table(events))


def _plain(event: audit_trail.Event) -> dict[str, object]:
    return {
        "id": event.id,
        "occurredAt": event.occurred_at.isoformat(),
        "source": event.source,
        "principal": event.principal,
        "keyId": event.key_id,
        "actor": event.actor,
        "operation": event.operation,
        "input": event.input,
        "outcome": event.outcome or "NONE",
        "codes": event.codes,
        "clientIp": event.client_ip,
        "userAgent": event.user_agent,
        "requestId": event.request_id,
    }


def _table(events: list[audit_trail.Event]) -> Table:
    table = Table(box=box.SIMPLE, title=f"Audit trail ({len(events)} newest)")
    for column in ("#", "when (UTC)", "who", "operation", "input", "outcome", "from"):
        table.add_column(column)
    for event in events:
        who = f"{event.principal} {event.actor or ''}".strip()
        outcome = " ".join([event.outcome or "NONE", *event.codes])
        where = " ".join(part for part in (event.client_ip, event.request_id) if part)
        table.add_row(
            str(event.id),
            event.occurred_at.strftime("%Y-%m-%d %H:%M:%S"),
            who,
            event.operation,
            json.dumps(event.input, sort_keys=True)[:80],
            outcome,
            where,
        )
    return table
