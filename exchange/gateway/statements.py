"""Settlement statements as files: CSV, JSON and a printable HTML page with a chart.

``/settlement/batches/{id}/statements.{csv,json,html}`` is every statement (staff; a partner
key gets its own), ``/settlement/batches/{id}/statements/{CODE}.{...}`` one partner's. The
caller shows an API key (``Authorization: Bearer``) or a signed link the GraphQL API gave it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse

from exchange.kit import clock, signed_links
from exchange.kit.db import Conn, Pool, transaction
from partners import registry
from partners.errors import PartnerNotFound
from settlement import exports, repository
from settlement.repository import Batch

from .auth import Unauthenticated, authenticate
from .context import Resources

FORMATS = {"csv": "text/csv; charset=utf-8", "json": "application/json", "html": "text/html"}
_templates = Environment(
    loader=PackageLoader("exchange.gateway", "templates"), autoescape=select_autoescape()
)


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def request_scope(request: Request, resources: Resources) -> int | Unauthenticated | None:
    """The partner the caller may read (None: every partner), or why it may not."""
    if signed_links.verify(
        resources.settings,
        request.url.path,
        request.query_params.get("expires"),
        request.query_params.get("signature"),
        now=clock.now(),
    ):
        return None  # the link was signed for exactly this path
    try:
        principal = await authenticate(
            resources.pool,
            resources.keys,
            request.headers.get("authorization"),
            now=clock.now(),
        )
    except Unauthenticated as error:
        return error
    return principal.scope


async def _partner_id(conn: Conn, code: str | None, scope: int | None) -> int | None:
    if code is None:
        return scope
    partner = await registry.get_partner(conn, code=code.upper())
    if scope is not None and partner.id != scope:
        raise PartnerNotFound("no such partner")
    return partner.id


async def _render(conn: Conn, batch: Batch, partner_id: int | None, fmt: str) -> str:
    if fmt == "csv":
        return await exports.statements_csv(conn, batch, partner_id)
    if fmt == "json":
        return await exports.batch_json(conn, batch, partner_id)
    return _templates.get_template("statement.html").render(
        **await page_data(conn, batch, partner_id)
    )


async def page_data(conn: Conn, batch: Batch, partner_id: int | None) -> dict[str, Any]:
    statements = await repository.statement_rows(conn, batch.id, partner_id)
    lines = await repository.line_rows(conn, batch.id, partner_id)
    widest = max((abs(s["net_amount"]) for s in statements), default=0) or 1
    return {
        "batch": batch,
        "whole": partner_id is None,
        "statements": [
            {**s, "lines": [line for line in lines if line["partner_id"] == s["partner_id"]]}
            for s in statements
        ],
        "bars": [
            {
                "code": s["partner_code"],
                "net": s["net_amount"],
                "share": abs(s["net_amount"]) / widest,
            }
            for s in statements
        ],
        "flows": await repository.flow_rows(conn, batch.id, partner_id),
        "payments": await repository.payment_rows(conn, batch.id, partner_id),
    }


async def _readable(
    conn: Conn, request: Request, scope: int | None
) -> tuple[Batch, int | None] | JSONResponse:
    """The batch and partner of the path, if the caller may read them (partners: APPROVED
    and PAID batches, their own statement), or the refusal."""
    batch = await repository.get(conn, request.path_params["batch_id"])
    if batch is None or (scope is not None and batch.status not in repository.FINAL):
        return _refuse(404, "SETTLEMENT_BATCH_NOT_FOUND", "no settlement batch with this id")
    try:
        return batch, await _partner_id(conn, request.path_params.get("code"), scope)
    except PartnerNotFound:
        return _refuse(404, "PARTNER_NOT_FOUND", "no such partner in this batch")


async def statements_file(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    fmt = request.path_params["format"]
    if fmt not in FORMATS:
        return _refuse(404, "NOT_FOUND", "statements come as .csv, .json or .html")
    scope = await request_scope(request, resources)
    if isinstance(scope, Unauthenticated):
        return _refuse(401, "UNAUTHENTICATED", scope.message)
    async with transaction(resources.pool) as conn:
        found = await _readable(conn, request, scope)
        if isinstance(found, JSONResponse):
            return found
        batch, partner_id = found
        body = await _render(conn, batch, partner_id, fmt)
    name = f"settlement-{batch.id}" + (
        f"-{request.path_params['code']}" if "code" in request.path_params else ""
    )
    headers = (
        {} if fmt == "html" else {"content-disposition": f'attachment; filename="{name}.{fmt}"'}
    )
    return Response(body, media_type=FORMATS[fmt], headers=headers)


async def _entry_lines(pool: Pool, batch: Batch, partner_id: int) -> AsyncIterator[str]:
    yield "entry,kind,points,posted_at\n"
    async with transaction(pool) as conn:
        async for row in repository.statement_entries(conn, batch, partner_id):
            yield f"{row['id']},{row['kind']},{row['points']},{row['posted_at'].isoformat()}\n"


async def statement_entries_file(request: Request) -> Response:
    """``/settlement/batches/{id}/statements/{CODE}/entries.csv``: what one statement covers,
    entry by entry (its ids, comma-joined, hash to the statement's entriesSha256)."""
    resources: Resources = request.app.state.resources
    scope = await request_scope(request, resources)
    if isinstance(scope, Unauthenticated):
        return _refuse(401, "UNAUTHENTICATED", scope.message)
    async with transaction(resources.pool) as conn:
        found = await _readable(conn, request, scope)
    if isinstance(found, JSONResponse):
        return found
    batch, partner_id = found
    assert partner_id is not None, "the path names the partner"
    name = f"settlement-{batch.id}-{request.path_params['code']}-entries.csv"
    return StreamingResponse(
        _entry_lines(resources.pool, batch, partner_id),
        media_type=FORMATS["csv"],
        headers={"content-disposition": f'attachment; filename="{name}"'},
    )
