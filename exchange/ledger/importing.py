"""Bulk import of earn lines, set-based (migration 0004): stage by COPY, then validate and
post each chunk (a range of lines) in one transaction, so a crash leaves no half-posted
line; finish. The lines arrive with their points computed (the rules live above the ledger)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg

from exchange.kit.db import Conn
from exchange.kit.errors import IdempotencyConflict
from exchange.ledger import functions

STAGED_COLUMNS = (
    "job_id",
    "line_no",
    "status",
    "error_code",
    "error_message",
    "member_id",
    "by_card",
    "idem_key",
    "request_hash",
    "order_id",
    "amount",
    "currency",
    "occurred_at",
    "points",
    "earn_rate",
    "details",
)


@dataclass(frozen=True)
class StagedLine:
    """One line of the file, checked and priced, or rejected (``error_code``) as read."""

    line_no: int
    idem_key: str | None
    member_id: int | None = None
    by_card: bool = False
    request_hash: str | None = None
    order_id: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    occurred_at: datetime | None = None
    points: int | None = None
    earn_rate: Decimal | None = None
    details: str | None = None
    """The entry's ``details`` as JSON text."""
    error_code: str | None = None
    error_message: str | None = None

    def row(self, job_id: int) -> tuple[Any, ...]:
        status = "READY" if self.error_code is None else "REJECTED"
        return (
            job_id,
            self.line_no,
            status,
            self.error_code,
            self.error_message,
            self.member_id,
            self.by_card,
            self.idem_key,
            self.request_hash,
            self.order_id,
            self.amount,
            self.currency,
            self.occurred_at,
            self.points,
            self.earn_rate,
            self.details,
        )


@dataclass(frozen=True)
class ImportJob:
    id: int
    partner_id: int
    status: str
    file_name: str | None
    format: str
    idempotency_key: str | None
    file_sha256: str | None
    lines_total: int
    lines_posted: int
    lines_already: int
    lines_rejected: int
    failure: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class LineError:
    line_no: int
    idempotency_key: str | None
    code: str
    message: str


def _job(row: dict[str, Any] | None) -> ImportJob | None:
    if row is None:
        return None
    return ImportJob(**{name: row[name] for name in ImportJob.__dataclass_fields__})


async def create_job(
    conn: Conn,
    *,
    partner_id: int,
    format: str,
    file_name: str | None,
    idempotency_key: str | None = None,
    file_sha256: str | None = None,
) -> tuple[ImportJob, bool]:
    """A QUEUED job; with a key already used by the partner for the same file, that job (and
    False); for another file, IDEMPOTENCY_CONFLICT."""
    cur = await conn.execute(
        "INSERT INTO import_jobs (partner_id, format, file_name, idempotency_key, file_sha256)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING RETURNING *",
        (partner_id, format, file_name, idempotency_key, file_sha256),
    )
    created = _job(await cur.fetchone())
    if created is not None:
        return created, True
    cur = await conn.execute(
        "SELECT * FROM import_jobs WHERE partner_id = %s AND idempotency_key = %s",
        (partner_id, idempotency_key),
    )
    found = _job(await cur.fetchone())
    assert found is not None
    if found.file_sha256 != file_sha256:
        raise IdempotencyConflict(
            "this idempotencyKey was already used for another file", field=["idempotencyKey"]
        )
    return found, False


async def get_job(conn: Conn, job_id: int, *, partner_id: int | None) -> ImportJob | None:
    """The job, if the partner (None: staff) may see it."""
    cur = await conn.execute(
        "SELECT * FROM import_jobs WHERE id = %s AND (%s::bigint IS NULL OR partner_id = %s)",
        (job_id, partner_id, partner_id),
    )
    return _job(await cur.fetchone())


async def start_job(conn: Conn, job_id: int, now: datetime) -> None:
    await conn.execute(
        "UPDATE import_jobs SET status = 'RUNNING', started_at = %s, heartbeat_at = %s"
        " WHERE id = %s",
        (now, now, job_id),
    )


async def beat(conn: Conn, job_id: int, now: datetime) -> bool:
    """The running job's process is alive; False when the job is no longer RUNNING (it was
    given up as interrupted, see ``fail_interrupted``) and must stop posting."""
    cur = await conn.execute(
        "UPDATE import_jobs SET heartbeat_at = %s WHERE id = %s AND status = 'RUNNING'"
        " RETURNING id",
        (now, job_id),
    )
    return await cur.fetchone() is not None


INTERRUPTED = (
    "interrupted: the process running this import stopped before it finished; the lines"
    " posted so far stay posted, and importing the same file again posts the rest (lines"
    " already posted are recognised by their idempotency keys)"
)


async def fail_interrupted(conn: Conn, *, silent_since: datetime, now: datetime) -> list[int]:
    """Jobs QUEUED or RUNNING with no heartbeat since ``silent_since`` become FAILED (their
    process died: a crash, a kill, a lost machine); their staged lines are dropped."""
    cur = await conn.execute(
        "UPDATE import_jobs SET status = 'FAILED', failure = %s, finished_at = %s"
        " WHERE status IN ('QUEUED', 'RUNNING')"
        " AND coalesce(heartbeat_at, created_at) < %s RETURNING id",
        (INTERRUPTED, now, silent_since),
    )
    failed = [row["id"] for row in await cur.fetchall()]
    if failed:
        await conn.execute("DELETE FROM import_lines WHERE job_id = ANY(%s)", (failed,))
    return failed


async def stage(conn: Conn, job_id: int, lines: Iterable[StagedLine]) -> int:
    """COPY the lines into the staging table; returns how many."""
    count = 0
    columns = ", ".join(STAGED_COLUMNS)
    async with conn.cursor().copy(f"COPY import_lines ({columns}) FROM STDIN") as copy:
        for line in lines:
            await copy.write_row(line.row(job_id))
            count += 1
    await conn.execute(
        "UPDATE import_jobs SET lines_total = lines_total + %s WHERE id = %s", (count, job_id)
    )
    return count


async def validate(
    conn: Conn,
    job_id: int,
    *,
    partner_id: int,
    caller: str,
    lines: tuple[int, int],
    analyze: bool = False,
) -> None:
    """Check the READY lines of the range (first, last line); run it just before posting them,
    in the same transaction. ``analyze`` first (for a job's first range): without statistics
    on the freshly filled staging table the planner picks plans several times slower."""
    if analyze:
        await conn.execute("ANALYZE import_lines")
    await conn.execute(
        "SELECT import_validate(%s, %s, %s, %s, %s)",
        (job_id, partner_id, caller, lines[0], lines[1]),
    )


async def post_chunk(
    conn: Conn,
    job_id: int,
    *,
    partner_id: int,
    caller: str,
    lines: tuple[int, int],
    now: datetime,
) -> int:
    """Post the READY lines of the range in one transaction; returns how many were posted."""
    try:
        cur = await conn.execute(
            "SELECT import_post_chunk(%s, %s, %s, %s, %s, %s) AS posted",
            (job_id, partner_id, caller, lines[0], lines[1], now),
        )
    except psycopg.errors.RaiseException as error:
        raise functions.refusal(error) from None
    row = await cur.fetchone()
    assert row is not None
    return int(row["posted"])


async def finish(conn: Conn, job_id: int, now: datetime) -> ImportJob:
    cur = await conn.execute("SELECT * FROM import_finish(%s, %s)", (job_id, now))
    finished = _job(await cur.fetchone())
    assert finished is not None
    return finished


async def fail(conn: Conn, job_id: int, failure: str, now: datetime) -> None:
    """The job stops: what it posted stays posted (a re-run posts the rest). A job already
    given up as interrupted keeps that reason."""
    await conn.execute(
        "UPDATE import_jobs SET status = 'FAILED', failure = %s, finished_at = %s"
        " WHERE id = %s AND status IN ('QUEUED', 'RUNNING')",
        (failure, now, job_id),
    )
    await conn.execute("DELETE FROM import_lines WHERE job_id = %s", (job_id,))


async def line_errors(conn: Conn, job_id: int) -> list[LineError]:
    cur = await conn.execute(
        "SELECT line_no, idempotency_key, code, message FROM import_errors"
        " WHERE job_id = %s ORDER BY line_no",
        (job_id,),
    )
    return [LineError(**row) for row in await cur.fetchall()]


async def stream_line_errors(conn: Conn, job_id: int) -> AsyncIterator[LineError]:
    """The error report in line order, from a server-side cursor: a report of a million
    rejected lines never sits in memory. The caller holds a transaction open meanwhile."""
    async with conn.cursor(name=f"import_errors_{job_id}") as cur:
        await cur.execute(
            "SELECT line_no, idempotency_key, code, message FROM import_errors"
            " WHERE job_id = %s ORDER BY line_no",
            (job_id,),
        )
        async for row in cur:
            yield LineError(**row)


async def members_by_card(conn: Conn, cards: list[str]) -> dict[str, int]:
    cur = await conn.execute(
        "SELECT card_number, id FROM members WHERE card_number = ANY(%(cards)s) UNION ALL"
        " SELECT card_number, member_id FROM member_cards WHERE card_number = ANY(%(cards)s)",
        {"cards": cards},
    )
    return {row["card_number"]: row["id"] for row in await cur.fetchall()}


async def members_by_external_id(
    conn: Conn, partner_id: int, external_ids: list[str]
) -> dict[str, int]:
    cur = await conn.execute(
        "SELECT external_id, member_id FROM member_partner_links"
        " WHERE partner_id = %s AND external_id = ANY(%s)",
        (partner_id, external_ids),
    )
    return {row["external_id"]: row["member_id"] for row in await cur.fetchall()}
