"""What a member does from the web app besides reading: transfer points, link a card."""

from __future__ import annotations

import secrets

from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidAmount
from exchange.ledger import cards, transfers
from exchange.portal.giving import send_points

from .messages import refusal
from .pages import signed_in
from .visit import Visit


async def _transfer_form(visit: Visit, *, status: int = 200, **context: object) -> Response:
    limit = visit.resources.settings.transfer_daily_limit_points
    async with transaction(visit.resources.pool) as conn:
        sent = await transfers.sent_today(conn, visit.member_id, clock.now())
    return visit.render(
        "transfer.html",
        status=status,
        key=secrets.token_urlsafe(16),
        limit=limit,
        left=max(0, limit - sent),
        **context,
    )


@signed_in
async def transfer_form(visit: Visit) -> Response:
    return await _transfer_form(visit)


def _points(text: str) -> int:
    if not text.strip().isdigit() or len(text.strip()) > 10:
        raise InvalidAmount("points must be a whole number", field=["points"])
    return int(text.strip())


@signed_in
async def transfer(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    email, points = str(form.get("email", "")), str(form.get("points", ""))
    try:
        outcome = await send_points(
            visit.resources.pool,
            sender_id=visit.member_id,
            to_member_id=None,
            to_email=email,
            points=_points(points),
            idempotency_key=str(form.get("key", "")),
            daily_limit=visit.resources.settings.transfer_daily_limit_points,
            now=clock.now(),
        )
    except ExchangeError as error:
        message = refusal(visit.gettext, error)
        return await _transfer_form(visit, status=400, error=message, email=email, points=points)
    return visit.redirect(f"/app/transactions/{outcome.transaction_id}")


async def _cards_page(visit: Visit, *, status: int = 200, **context: object) -> Response:
    async with transaction(visit.resources.pool) as conn:
        linked = await cards.cards_of(conn, visit.member_id)
    return visit.render("cards.html", status=status, cards=linked, **context)


@signed_in
async def cards_page(visit: Visit) -> Response:
    return await _cards_page(visit)


@signed_in
async def link_card(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    number = str(form.get("card", ""))
    try:
        async with transaction(visit.resources.pool) as conn:
            await cards.link_card(conn, visit.member_id, number, now=clock.now())
    except ExchangeError as error:
        return await _cards_page(
            visit, status=400, error=refusal(visit.gettext, error), card=number
        )
    return visit.redirect("/app/cards")
