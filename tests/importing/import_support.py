"""Writing import files, running imports directly, and reading the database back."""

from __future__ import annotations

import csv
import io
import itertools
import json
import secrets
from pathlib import Path
from typing import Any

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.ledger.audit import run_audit
from exchange.ledger.importing import ImportJob, LineError, line_errors
from partners import importing
from partners.import_files import format_of

_keys = itertools.count(1)

WRITTEN_TABLES = (
    "journal_entries",
    "postings",
    "lots",
    "lot_consumptions",
    "outbox_events",
    "idempotency_records",
    "member_partner_links",
)
CSV_COLUMNS = (
    "memberId",
    "cardNumber",
    "externalId",
    "orderId",
    "amount",
    "currency",
    "lines",
    "occurredAt",
    "idempotencyKey",
)


def new_key(prefix: str = "imp") -> str:
    return f"{prefix}-{next(_keys)}-{secrets.token_hex(4)}"


def member_gid(member_id: int) -> str:
    return to_global_id("Member", member_id)


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(record) + "\n" for record in records)


def csv_text(records: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = dict(record)
        if "lines" in row:
            row["lines"] = json.dumps(row["lines"])
        writer.writerow(row)
    return out.getvalue()


def write_file(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text(csv_text(records) if path.suffix == ".csv" else jsonl(records))
    return path


async def import_file(
    pool: Pool, partner_id: int, path: Path, **options: Any
) -> tuple[ImportJob, list[LineError]]:
    job, _ = await importing.new_job(
        pool, partner_id=partner_id, format=format_of(path.name), file_name=path.name
    )
    with path.open(newline="") as text:
        finished = await importing.run_job(pool, job, text, currency="EUR", **options)
    async with transaction(pool) as conn:
        return finished, await line_errors(conn, job.id)


async def row_counts(pool: Pool) -> dict[str, int]:
    async with transaction(pool) as conn:
        counts = {}
        for table in WRITTEN_TABLES:
            cur = await conn.execute(f"SELECT count(*) AS n FROM {table}")  # type: ignore[arg-type]
            row = await cur.fetchone()
            assert row is not None
            counts[table] = int(row["n"])
    return counts


async def balance_of(pool: Pool, member_id: int) -> dict[str, int]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT balance, debt, seq FROM member_balances WHERE member_id = %s", (member_id,)
        )
        row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def audit_failures(pool: Pool) -> list[Any]:
    async with transaction(pool) as conn:
        return [check for check in await run_audit(conn) if not check.ok]


async def gql(client: Any, secret: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {secret}"},
    )
    body: dict[str, Any] = response.json()
    assert "errors" not in body, body
    data: dict[str, Any] = body["data"]
    return data


def earn_line(member_id: int, amount: str, key: str | None = None) -> dict[str, Any]:
    return {
        "memberId": member_gid(member_id),
        "orderId": "o",
        "amount": amount,
        "currency": "EUR",
        "idempotencyKey": key or new_key(),
    }
