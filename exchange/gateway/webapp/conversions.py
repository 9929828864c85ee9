"""Converting points with partners' programs from the web app (``/app/convert``): the
programs on offer and the member's conversions, a quote with its lock (counted down by the
server; the page reloads itself when it runs out, no script), and its confirmation. Every
form carries the CSRF token; a quote is found only by the member that asked for it."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from partners.conversions import converting, quoting, reading
from partners.conversions.rules import Direction

from .actions import points_field
from .messages import conversion_refusal, conversion_status, conversion_what
from .pages import signed_in, whole_number
from .visit import Visit

PAGE_SIZE = 20


def _caller(visit: Visit) -> str:
    """A member's idempotency scope: the same as its member token's."""
    return f"member:{visit.member_id}"


async def _convert_page(visit: Visit, *, status: int = 200, **context: object) -> Response:
    query = visit.request.query_params
    done_id = whole_number(query.get("done"))
    async with transaction(visit.resources.pool) as conn:
        offers = await reading.offers(conn, now=clock.now())
        mine, more = await reading.page(
            conn,
            partner_id=None,
            member_id=visit.member_id,
            before_id=whole_number(query.get("before")),
            first=PAGE_SIZE,
        )
        done = None
        if done_id is not None:
            found = await reading.by_ids(
                conn, [done_id], partner_id=None, member_id=visit.member_id
            )
            done = found.get(done_id)
    return visit.render(
        "convert.html",
        status=status,
        offers=offers,
        conversions=mine,
        older=mine[-1].id if more and mine else None,
        done=done,
        status_name=lambda code: conversion_status(visit.gettext, code),
        conversion_what=lambda c: conversion_what(visit.gettext, c, visit.formats),
        **context,
    )


@signed_in
async def convert_page(visit: Visit) -> Response:
    return await _convert_page(visit)


@signed_in
async def ask_for_quote(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    given = {
        name: str(form.get(name, "")) for name in ("currency", "direction", "amount", "account")
    }
    direction = Direction.OUT if given["direction"] == "OUT" else Direction.IN
    try:
        ask = quoting.Ask(
            member_id=visit.member_id,
            currency=given["currency"],
            direction=direction,
            points=points_field(given["amount"]) if direction is Direction.OUT else None,
            amount=given["amount"] if direction is Direction.IN else None,
            program_account=given["account"],
        )
        async with transaction(visit.resources.pool) as conn:
            quote = await quoting.quote(
                conn,
                ask,
                partner_id=None,
                quoted_by=_caller(visit),
                lock=timedelta(seconds=visit.resources.settings.conversion_quote_seconds),
                now=clock.now(),
            )
    except ExchangeError as error:
        return await _convert_page(
            visit, status=400, error=conversion_refusal(visit.gettext, error), **given
        )
    return visit.redirect(f"/app/convert/quotes/{quote.id}")


async def _quote_page(visit: Visit, *, status: int = 200, error: str | None = None) -> Response:
    quote_id = whole_number(visit.request.path_params["quote_id"])
    async with transaction(visit.resources.pool) as conn:
        quote = (
            None if quote_id is None else await quoting.quote_for(conn, quote_id, _caller(visit))
        )
    if quote is None:
        return visit.render("not_found.html", status=404)
    left = int((quote.expires_at - clock.now()).total_seconds())
    return visit.render(
        "quote.html",
        status=status,
        q=quote,
        quote_id=quote.id,
        used=quote.used_at is not None,
        live=quote.used_at is None and left > 0,
        seconds_left=max(0, left),
        key=secrets.token_urlsafe(16),
        error=error,
    )


@signed_in
async def quote_page(visit: Visit) -> Response:
    return await _quote_page(visit)


@signed_in
async def convert(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    quote_id = whole_number(visit.request.path_params["quote_id"])
    if quote_id is None:
        return visit.render("not_found.html", status=404)
    run = converting.Execute(
        quote_id=quote_id,
        caller=_caller(visit),
        idempotency_key=str(form.get("key", "")),
        confirm_within=timedelta(seconds=visit.resources.settings.conversion_confirm_seconds),
    )
    try:
        async with transaction(visit.resources.pool) as conn:
            conversion_id = await converting.execute(conn, run, now=clock.now())
    except ExchangeError as error:
        if error.code == "CONVERSION_QUOTE_NOT_FOUND":
            return visit.render("not_found.html", status=404)
        return await _quote_page(visit, status=400, error=conversion_refusal(visit.gettext, error))
    return visit.redirect(f"/app/convert?done={conversion_id}")
