"""``ImportJob``: a bulk import of a partner's earn file, polled with ``importJob(id)``."""

from __future__ import annotations

import csv
import enum
import io
from datetime import datetime

import strawberry

from exchange.kit import clock, signed_links
from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from exchange.ledger import importing
from exchange.ledger.importing import LineError

from ..context import Info
from ..import_reports import errors_path
from .common import described

MAX_ERRORS = 1000


@strawberry.enum(description="Where an import job is.")
class ImportStatus(enum.Enum):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"


@strawberry.enum(description="The format of an import file.")
class ImportFormat(enum.Enum):
    JSONL = "JSONL"
    CSV = "CSV"


@strawberry.type(description="A rejected line of an import file, and why.")
class ImportLineError:
    line: int = strawberry.field(description="The line's number in the file (1 is the first).")
    idempotency_key: str | None
    code: str
    message: str

    @classmethod
    def of(cls, error: LineError) -> ImportLineError:
        return cls(
            line=error.line_no,
            idempotency_key=error.idempotency_key,
            code=error.code,
            message=error.message,
        )


def errors_csv(rows: list[LineError]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("line", "idempotencyKey", "code", "message"))
    for row in rows:
        writer.writerow((row.line_no, row.idempotency_key or "", row.code, row.message))
    return out.getvalue()


@strawberry.type(description="A bulk import of earn lines; counts grow while it runs.")
class ImportJob:
    id: strawberry.ID
    status: ImportStatus
    format: ImportFormat
    file_name: str | None
    lines_total: int = strawberry.field(description="Lines read so far (all, once finished).")
    lines_posted: int = strawberry.field(description="Lines that earned points.")
    lines_already_imported: int = strawberry.field(
        description="Lines whose idempotencyKey was already used for the same earn: unchanged."
    )
    lines_rejected: int
    failure: str | None = strawberry.field(description="Why a FAILED job stopped.")
    created_at: datetime
    finished_at: datetime | None
    db_id: strawberry.Private[int]

    @classmethod
    def of(cls, job: importing.ImportJob) -> ImportJob:
        return cls(
            id=strawberry.ID(to_global_id("ImportJob", job.id)),
            status=ImportStatus(job.status),
            format=ImportFormat(job.format),
            file_name=job.file_name,
            lines_total=job.lines_total,
            lines_posted=job.lines_posted,
            lines_already_imported=job.lines_already,
            lines_rejected=job.lines_rejected,
            failure=job.failure,
            created_at=job.created_at,
            finished_at=job.finished_at,
            db_id=job.id,
        )

    async def _errors(self, info: Info) -> list[LineError]:
        async with transaction(info.context.pool) as conn:
            return await importing.line_errors(conn, self.db_id)

    @described(f"The rejected lines, in file order (at most {MAX_ERRORS}).")
    async def errors(self, info: Info) -> list[ImportLineError]:
        return [ImportLineError.of(row) for row in (await self._errors(info))[:MAX_ERRORS]]

    @described(
        "A link to the whole error report as CSV (streamed; no API key needed), valid for"
        " 15 minutes; the same path answers the partner's API key."
    )
    def errors_csv_url(self, info: Info) -> str:
        return signed_links.sign(info.context.settings, errors_path(self.db_id), now=clock.now())

    @described("The error report as CSV (line, idempotencyKey, code, message), once done.")
    async def errors_csv(self, info: Info) -> str:
        return errors_csv(await self._errors(info))
