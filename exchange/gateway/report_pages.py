"""The reports as files, served like the settlement statements (an API key in
``Authorization``, or a signed link the GraphQL API gave):

- ``/reports/program/{from}/{to}/program.csv``, ``cohorts.csv``, ``campaigns.csv`` and
  ``program.html`` (a
  printable page with charts): every partner and the coalition for staff, a partner key's
  own figures; ``/reports/program/{from}/{to}/partners/{CODE}/...``: one partner's;
- ``/reports/liability/{asOf}/liability.csv``, and ``.../partners/{CODE}/liability.csv``.

Instants are ISO 8601 in UTC (``2026-10-01T00:00:00Z``), in the path, so a signed link
covers the period it was made for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange.kit import clock, signed_links
from exchange.kit.db import Pool, transaction
from exchange.kit.errors import ExchangeError, InvalidInput
from partners import registry
from partners.errors import PartnerNotFound
from settlement import kpis, report_exports, reports
from settlement.program import ProgramReport, program_report

from .auth import Unauthenticated
from .context import Info, Resources
from .report_charts import page_data
from .statements import request_scope

CSV = "text/csv; charset=utf-8"
PROGRAM_FILES = {
    "program.csv": CSV,
    "cohorts.csv": CSV,
    "campaigns.csv": CSV,
    "program.html": "text/html",
}
_templates = Environment(
    loader=PackageLoader("exchange.gateway", "templates"), autoescape=select_autoescape()
)
_templates.filters["exact"] = report_exports.exact


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _partners(code: str | None) -> str:
    return "" if code is None else f"/partners/{code}"


def program_path(period: kpis.Period, code: str | None, name: str) -> str:
    return f"/reports/program/{stamp(period.start)}/{stamp(period.end)}{_partners(code)}/{name}"


def liability_path(as_of: datetime, code: str | None) -> str:
    return f"/reports/liability/{stamp(as_of)}{_partners(code)}/liability.csv"


def _refuse(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _instant(request: Request, name: str) -> datetime:
    try:
        return datetime.fromisoformat(request.path_params[name])
    except ValueError:
        raise InvalidInput(f"{name}: not an ISO 8601 time", field=[name]) from None


async def _partner_id(pool: Pool, code: str | None, scope: int | None) -> int | None:
    """The partner whose numbers to show (None: all); another partner's is not found."""
    if code is None:
        return scope
    async with transaction(pool) as conn:
        partner = await registry.get_partner(conn, code=code.upper())
    if scope is not None and partner.id != scope:
        raise PartnerNotFound("no such partner")
    return partner.id


def _file(body: str, media_type: str, filename: str | None) -> Response:
    headers = (
        {} if filename is None else {"content-disposition": f'attachment; filename="{filename}"'}
    )
    return Response(body, media_type=media_type, headers=headers)


def _program_body(report: ProgramReport, name: str, currency: str) -> str:
    if name == "program.csv":
        return report_exports.program_csv(report, currency)
    if name == "cohorts.csv":
        return report_exports.cohorts_csv(report)
    if name == "campaigns.csv":
        return report_exports.campaigns_csv(report, currency)
    return _templates.get_template("program_report.html").render(**page_data(report, currency))


async def program_file(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    name = request.path_params["name"]
    if name not in PROGRAM_FILES:
        return _refuse(404, "NOT_FOUND", "program.csv, cohorts.csv, campaigns.csv or program.html")
    scope = await request_scope(request, resources)
    if isinstance(scope, Unauthenticated):
        return _refuse(401, "UNAUTHENTICATED", scope.message)
    try:
        period = kpis.check_period(_instant(request, "start"), _instant(request, "end"))
        partner_id = await _partner_id(resources.pool, request.path_params.get("code"), scope)
    except ExchangeError as error:
        return _refuse(404 if error.code.endswith("NOT_FOUND") else 400, error.code, error.message)
    report = await program_report(resources.pool, period, partner_id)
    body = _program_body(report, name, resources.settings.currency)
    base, _, ext = name.partition(".")
    code = request.path_params.get("code")
    filename = f"{base}-{period.start:%Y%m%d}-{period.end:%Y%m%d}{'-' + code if code else ''}.{ext}"
    return _file(body, PROGRAM_FILES[name], None if ext == "html" else filename)


async def liability_file(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    scope = await request_scope(request, resources)
    if isinstance(scope, Unauthenticated):
        return _refuse(401, "UNAUTHENTICATED", scope.message)
    try:
        as_of = _instant(request, "as_of")
        if as_of.tzinfo is None or as_of > clock.now():
            raise InvalidInput("asOf needs an offset and may not be in the future")
        partner_id = await _partner_id(resources.pool, request.path_params.get("code"), scope)
    except ExchangeError as error:
        return _refuse(404 if error.code.endswith("NOT_FOUND") else 400, error.code, error.message)
    async with transaction(resources.pool) as conn:
        held = await reports.outstanding(conn, as_of=as_of)
        expired = await reports.breakage(conn, as_of=as_of)
    if partner_id is not None:
        held = [row for row in held if row.issuer_partner_id == partner_id]
        expired = [row for row in expired if row.issuer_partner_id == partner_id]
    body = report_exports.liability_csv(as_of, held, expired, resources.settings.currency)
    return _file(body, CSV, f"liability-{as_of.astimezone(UTC):%Y%m%dT%H%M%SZ}.csv")


async def signed_link(info: Info, path_for: Callable[[str | None], str]) -> str:
    """A link (15 minutes) to what the caller may read: a partner's own numbers (its code in
    the path), everything for staff."""
    ctx = info.context
    code = None
    if ctx.principal.scope is not None:
        async with transaction(ctx.pool) as conn:
            code = (await registry.get_partner(conn, partner_id=ctx.principal.scope)).code
    return signed_links.sign(ctx.settings, path_for(code), now=clock.now())


def report_routes() -> list[Route]:
    program = "/reports/program/{start}/{end}"
    liability = "/reports/liability/{as_of}"
    return [
        Route(f"{program}/{{name}}", program_file, methods=["GET"]),
        Route(f"{program}/partners/{{code}}/{{name}}", program_file, methods=["GET"]),
        Route(f"{liability}/liability.csv", liability_file, methods=["GET"]),
        Route(f"{liability}/partners/{{code}}/liability.csv", liability_file, methods=["GET"]),
    ]
