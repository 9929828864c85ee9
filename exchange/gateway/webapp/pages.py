"""The member's pages: dashboard, history (and one transaction), expiry schedule, balance
chart, partners directory. Every read is scoped to the session's member: an id in a URL that
is not the member's own is not found."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.portal import balance_history, history, invites, overview, schedule
from exchange.portal.directory import listings

from .chart import HEIGHT, WIDTH, chart
from .visit import Visit

Page = Callable[[Visit], Awaitable[Response]]
CHART_DAYS = 90
PAGE_SIZE = 20


def signed_in(page: Page) -> Callable[[Request], Awaitable[Response]]:
    """Only with a live session; otherwise to the login page."""

    async def handle(request: Request) -> Response:
        visit = await Visit.of(request)
        if visit.session is None:
            return visit.redirect("/app/login")
        response = await page(visit)
        if request.method == "POST":
            await visit.wrote(response)
        return response

    return handle


def whole_number(value: str | None) -> int | None:
    """An id or cursor from a URL: digits only, or nothing."""
    return int(value) if value is not None and value.isdigit() and len(value) < 19 else None


@signed_in
async def dashboard(visit: Visit) -> Response:
    now = clock.now()
    async with transaction(await visit.read_pool()) as conn:
        figures = await overview.overview(conn, visit.member_id, now=now)
        recent = await history.page(conn, visit.member_id, size=5)
        invite = await invites.invite(conn, visit.member_id, now=now)
    if figures is None:
        return visit.render("not_found.html", status=404)
    return visit.render("dashboard.html", o=figures, recent=recent.lines, invite=invite)


@signed_in
async def history_page(visit: Visit) -> Response:
    query = visit.request.query_params
    kind = query.get("kind") or None
    async with transaction(await visit.read_pool()) as conn:
        partners = await listings(conn, now=clock.now())
        codes = {p.code: p.partner_id for p in partners}
        filters = history.Filters(
            partner_id=codes.get(query.get("partner") or ""),
            kind=kind if kind in history.KINDS else None,
        )
        found = await history.page(
            conn,
            visit.member_id,
            filters=filters,
            before=whole_number(query.get("before")),
            after=whole_number(query.get("after")),
            size=PAGE_SIZE,
        )
    return visit.render(
        "history.html",
        page=found,
        partners=partners,
        kinds=history.KINDS,
        partner=query.get("partner") or "",
        kind=filters.kind or "",
    )


@signed_in
async def transaction_page(visit: Visit) -> Response:
    entry_id = whole_number(visit.request.path_params["entry_id"])
    async with transaction(await visit.read_pool()) as conn:
        line = None if entry_id is None else await history.line(conn, visit.member_id, entry_id)
    if line is None:
        return visit.render("not_found.html", status=404)
    return visit.render("transaction.html", line=line)


@signed_in
async def expiry_page(visit: Visit) -> Response:
    async with transaction(await visit.read_pool()) as conn:
        lots = await schedule.open_lots(conn, visit.member_id)
    return visit.render("expiry.html", lots=lots, now=clock.now())


@signed_in
async def chart_page(visit: Visit) -> Response:
    async with transaction(await visit.read_pool()) as conn:
        points = await balance_history.balance_series(
            conn, visit.member_id, now=clock.now(), days=CHART_DAYS
        )
    return visit.render(
        "chart.html", chart=chart(points), points=points, width=WIDTH, height=HEIGHT
    )


@signed_in
async def partners_page(visit: Visit) -> Response:
    async with transaction(visit.resources.pool) as conn:
        partners = await listings(conn, now=clock.now())
    return visit.render("partners.html", partners=partners)
