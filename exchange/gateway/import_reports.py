"""``GET /imports/{id}/errors.csv``: an import job's rejected lines as CSV, streamed, for the
job's partner (its API key) or staff, or anyone holding the signed link ``errorsCsvUrl``
gave."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from exchange.kit.db import Pool, transaction
from exchange.ledger import importing

from .auth import Unauthenticated
from .context import Resources
from .statements import request_scope

HEADER = ("line", "idempotencyKey", "code", "message")


def errors_path(job_id: int) -> str:
    return f"/imports/{job_id}/errors.csv"


def _line(values: tuple[object, ...]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(values)
    return out.getvalue()


async def _rows(pool: Pool, job_id: int) -> AsyncIterator[str]:
    yield _line(HEADER)
    async with transaction(pool) as conn:
        async for error in importing.stream_line_errors(conn, job_id):
            yield _line((error.line_no, error.idempotency_key or "", error.code, error.message))


async def import_errors_csv(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    scope = await request_scope(request, resources)
    if isinstance(scope, Unauthenticated):
        return JSONResponse(
            {"error": {"code": "UNAUTHENTICATED", "message": scope.message}}, status_code=401
        )
    job_id = request.path_params["job_id"]
    async with transaction(resources.pool) as conn:
        job = await importing.get_job(conn, job_id, partner_id=scope)
    if job is None:
        return JSONResponse(
            {"error": {"code": "NOT_FOUND", "message": "no import job with this id"}},
            status_code=404,
        )
    return StreamingResponse(
        _rows(resources.pool, job_id),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="import-{job_id}-errors.csv"'},
    )
