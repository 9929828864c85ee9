"""``importTransactions``: a partner's earn file as a multipart upload, imported in the
background (an asyncio task of this gateway process); poll ``importJob(id)``."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import strawberry
from strawberry.file_uploads import Upload

from exchange.kit.db import Pool
from exchange.kit.errors import ExchangeError
from exchange.ledger.importing import ImportJob as LedgerJob
from partners import importing
from partners.import_files import format_of, text_of

from ..auth import require_partner
from ..context import Info
from ..types.common import UserError
from ..types.import_jobs import ImportFormat, ImportJob

logger = logging.getLogger("exchange.gateway")
_running: set[asyncio.Task[None]] = set()


@strawberry.input
class ImportTransactionsInput:
    file: Upload = strawberry.field(description="The JSONL or CSV file (multipart upload).")
    format: ImportFormat | None = strawberry.field(
        default=None, description="Default: by the file name's extension (.jsonl or .csv)."
    )
    idempotency_key: str | None = strawberry.field(
        default=None, description="Sending the same file again with it returns the same job."
    )


@strawberry.type
class ImportTransactionsPayload:
    job: ImportJob | None
    user_errors: list[UserError]


async def _run(pool: Pool, job: LedgerJob, data: bytes, currency: str) -> None:
    try:
        await importing.run_job(pool, job, text_of(data), currency=currency)
    except Exception:
        logger.exception("import job %s failed", job.id)


def start(pool: Pool, job: LedgerJob, data: bytes, currency: str) -> None:
    task = asyncio.create_task(_run(pool, job, data, currency))
    _running.add(task)
    task.add_done_callback(_running.discard)


async def import_transactions(
    info: Info, input: ImportTransactionsInput
) -> ImportTransactionsPayload:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    upload: Any = input.file  # starlette's UploadFile
    data: bytes = await upload.read()
    name: str | None = getattr(upload, "filename", None)
    try:
        format = format_of(name, None if input.format is None else input.format.value)
        job, created = await importing.new_job(
            ctx.pool,
            partner_id=partner_id,
            format=format,
            file_name=name,
            idempotency_key=input.idempotency_key,
            file_sha256=hashlib.sha256(data).hexdigest(),
        )
    except ExchangeError as error:
        return ImportTransactionsPayload(job=None, user_errors=[UserError.of(error)])
    if created:
        start(ctx.pool, job, data, ctx.settings.currency)
    return ImportTransactionsPayload(job=ImportJob.of(job), user_errors=[])
