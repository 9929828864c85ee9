"""What a member does from the web app besides reading: transfer points, link a card."""

from __future__ import annotations

import secrets
from datetime import timedelta

from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError, InvalidAmount
from exchange.ledger import cards, transfers
from exchange.portal import card_links
from exchange.portal.errors import RateLimited
from exchange.portal.giving import send_points
from exchange.portal.senders import last_digits, sender_for

from . import security
from .auth_pages import client_address
from .messages import refusal
from .pages import signed_in
from .visit import Visit

PENDING_CARD = "pending-card-link"


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


def points_field(text: str) -> int:
    """Points typed in a form: a whole number."""
    if not text.strip().isdigit() or len(text.strip()) > 10:
        raise InvalidAmount("points must be a whole number", field=["points"])
    return int(text.strip())


@signed_in
async def transfer(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    email, card, points = (str(form.get(name, "")) for name in ("email", "card", "points"))
    try:
        outcome = await send_points(
            visit.resources.pool,
            sender_id=visit.member_id,
            to_member_id=None,
            to_email=email,
            to_card_number=card,
            points=points_field(points),
            idempotency_key=str(form.get("key", "")),
            daily_limit=visit.resources.settings.transfer_daily_limit_points,
            now=clock.now(),
        )
    except ExchangeError as error:
        message = refusal(visit.gettext, error)
        status = 429 if isinstance(error, RateLimited) else 400
        return await _transfer_form(
            visit, status=status, error=message, email=email, card=card, points=points
        )
    return visit.redirect(f"/app/transactions/{outcome.transaction_id}")


async def _cards_page(
    visit: Visit, *, status: int = 200, ending: str = "", **context: object
) -> Response:
    async with transaction(visit.resources.pool) as conn:
        owned = await cards.cards_of(conn, visit.member_id)
    linked = next((last_digits(c) for c in owned if ending and last_digits(c) == ending), None)
    return visit.render("cards.html", status=status, cards=owned, linked=linked, **context)


@signed_in
async def cards_page(visit: Visit) -> Response:
    """After a link, ``?linked=<last digits>`` names the card that joined (one of the
    member's own, or nothing is said)."""
    return await _cards_page(visit, ending=visit.request.query_params.get("linked", ""))


@signed_in
async def ask_to_link_card(visit: Visit) -> Response:
    """Send the card's holder a code (or nothing: the answer is the same), then ask for it."""
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    number, settings, now = str(form.get("card", "")), visit.resources.settings, clock.now()
    try:
        card = await card_links.request_link(
            visit.resources.pool,
            settings,
            sender_for(settings),
            member_id=visit.member_id,
            card_number=number,
            address=client_address(visit.request),
            now=now,
        )
    except ExchangeError as error:
        status = 429 if isinstance(error, RateLimited) else 400
        return await _cards_page(
            visit, status=status, error=refusal(visit.gettext, error), card=number
        )
    lifetime = timedelta(seconds=settings.login_code_ttl_seconds)
    pending = security.signed_until(
        visit.key, PENDING_CARD, f"{visit.session_id}:{card}", until=now + lifetime
    )
    visit.cookies.append((security.CARD, pending, int(lifetime.total_seconds())))
    return visit.redirect("/app/cards/confirm")


def _pending_card(visit: Visit) -> str | None:
    """The card this session asked to link, while its code may still work."""
    cookie = visit.request.cookies.get(security.CARD)
    found = security.read_signed(visit.key, PENDING_CARD, cookie, now=clock.now())
    session, _, card = (found or "").partition(":")
    return card if card and session == str(visit.session_id) else None


@signed_in
async def card_code_form(visit: Visit) -> Response:
    card = _pending_card(visit)
    if card is None:
        return visit.redirect("/app/cards")
    return visit.render("card_code.html", ending=last_digits(card))


@signed_in
async def link_card(visit: Visit) -> Response:
    form = await visit.request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    card = _pending_card(visit)
    if card is None:
        return visit.redirect("/app/cards")
    try:
        await card_links.confirm_link(
            visit.resources.pool,
            visit.resources.settings,
            member_id=visit.member_id,
            card_number=card,
            code=str(form.get("code", "")),
            address=client_address(visit.request),
            now=clock.now(),
        )
    except ExchangeError as error:
        status = 429 if isinstance(error, RateLimited) else 400
        message = refusal(visit.gettext, error)
        return visit.render(
            "card_code.html", status=status, error=message, ending=last_digits(card)
        )
    visit.cookies.append((security.CARD, None, None))
    return visit.redirect(f"/app/cards?linked={last_digits(card)}")
