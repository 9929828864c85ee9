"""Logging in and out of the web app, and picking a language."""

from __future__ import annotations

from datetime import timedelta

from starlette.requests import Request
from starlette.responses import Response

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.kit.errors import ExchangeError
from exchange.portal import login, sessions
from exchange.portal.errors import RateLimited
from exchange.portal.senders import sender_for

from . import security
from .i18n import LANGUAGES
from .messages import refusal
from .visit import Visit

HOME = "/app"
LOGIN = "/app/login"


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def local_path(target: str | None) -> str:
    """Only our own pages: never an open redirect."""
    if target and target.startswith("/app") and not target.startswith("//"):
        return target
    return HOME


async def login_form(request: Request) -> Response:
    visit = await Visit.of(request)
    if visit.session is not None:
        return visit.redirect(HOME)
    return visit.render("login.html")


async def ask_for_code(request: Request) -> Response:
    visit = await Visit.of(request)
    form = await request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    identifier = str(form.get("identifier", ""))
    settings, now = visit.resources.settings, clock.now()
    try:
        await login.request_code(
            visit.resources.pool,
            settings,
            sender_for(settings),
            identifier=identifier,
            address=client_address(request),
            now=now,
        )
    except ExchangeError as error:
        status = 429 if isinstance(error, RateLimited) else 400
        message = refusal(visit.gettext, error)
        return visit.render("login.html", status=status, error=message, identifier=identifier)
    lifetime = timedelta(seconds=settings.login_code_ttl_seconds)
    pending = security.pending_login(visit.key, identifier.strip(), until=now + lifetime)
    visit.cookies.append((security.LOGIN, pending, int(lifetime.total_seconds())))
    return visit.redirect("/app/login/code")


def _pending(visit: Visit) -> str | None:
    cookie = visit.request.cookies.get(security.LOGIN)
    return security.read_pending_login(visit.key, cookie, now=clock.now())


async def code_form(request: Request) -> Response:
    visit = await Visit.of(request)
    identifier = _pending(visit)
    if identifier is None:
        return visit.redirect(LOGIN)
    return visit.render("code.html", identifier=identifier)


async def enter_code(request: Request) -> Response:
    visit = await Visit.of(request)
    form = await request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    identifier = _pending(visit)
    if identifier is None:
        return visit.redirect(LOGIN)
    settings = visit.resources.settings
    try:
        token, _ = await login.log_in(
            visit.resources.pool,
            settings,
            identifier=identifier,
            code=str(form.get("code", "")),
            address=client_address(request),
            kind="WEB",
            now=clock.now(),
        )
    except ExchangeError as error:
        status = 429 if isinstance(error, RateLimited) else 400
        message = refusal(visit.gettext, error)
        return visit.render("code.html", status=status, error=message, identifier=identifier)
    lifetime = int(login.lifetime_of(settings, "WEB").total_seconds())
    visit.cookies += [(security.SESSION, token, lifetime), (security.LOGIN, None, None)]
    return visit.redirect(HOME)


async def log_out(request: Request) -> Response:
    """Ends this session (``everywhere=1``: every session and app token of the member)."""
    visit = await Visit.of(request)
    form = await request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    if visit.session is not None:
        async with connection(visit.resources.pool) as conn:
            if form.get("everywhere"):
                await sessions.revoke_all(conn, visit.session.member_id, clock.now())
            else:
                await sessions.revoke(conn, visit.session.id, clock.now())
    visit.cookies.append((security.SESSION, None, None))
    return visit.redirect(LOGIN)


async def choose_language(request: Request) -> Response:
    """Works signed in or not; the choice is kept in a cookie for a year."""
    visit = await Visit.of(request)
    form = await request.form()
    if not visit.csrf_ok(str(form.get("csrf", ""))):
        return visit.refuse_csrf()
    language = str(form.get("language", ""))
    if language in LANGUAGES:
        visit.cookies.append((security.LANG, language, security.YEAR))
    return visit.redirect(local_path(str(form.get("next", ""))))
