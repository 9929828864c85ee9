"""One request to the web app: who (the member's session, if any), in which language, and
the CSRF pair its forms carry; ``render`` answers it with a page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from exchange.kit import clock
from exchange.kit.db import Pool, connection
from exchange.portal import sessions
from exchange.portal.hashing import portal_key

from ..context import Resources
from . import security
from .i18n import LANGUAGES, Formats, negotiate, translations
from .messages import kind_name, reason

HEADERS = {
    # no script at all; styles are inline in the page
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cache-control": "no-store",
}


def _environment(language: str) -> Environment:
    env = Environment(
        loader=PackageLoader("exchange.gateway.webapp", "templates"),
        autoescape=select_autoescape(default=True),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations(language), newstyle=True)  # type: ignore[attr-defined]
    return env


ENVIRONMENTS = {language: _environment(language) for language in LANGUAGES}


@dataclass
class Visit:
    request: Request
    resources: Resources
    language: str
    session: sessions.Session | None
    csrf_seed: str
    fresh_seed: bool
    cookies: list[tuple[str, str | None, int | None]] = field(default_factory=list)
    """Cookies to set on the answer (None: forget it)."""

    @classmethod
    async def of(cls, request: Request) -> Visit:
        resources: Resources = request.app.state.resources
        seed = request.cookies.get(security.CSRF)
        session = None
        token = request.cookies.get(security.SESSION)
        if token:
            async with connection(resources.pool) as conn:
                session = await sessions.resolve(
                    conn, token, kind="WEB", key=portal_key(resources.settings), now=clock.now()
                )
        return cls(
            request=request,
            resources=resources,
            language=negotiate(
                request.cookies.get(security.LANG), request.headers.get("accept-language")
            ),
            session=session,
            csrf_seed=seed or security.new_csrf_seed(),
            fresh_seed=seed is None,
        )

    async def read_pool(self) -> Pool:
        """Where the member's balance and history are read: the replica once it has replayed
        the member's last write (this process's mark, or the cookie's), else the primary."""
        router = self.resources.router
        if router is None:
            return self.resources.pool
        cookie = self.request.cookies.get(security.READ_AFTER, "")
        claimed = int(cookie) if cookie.isdigit() and len(cookie) <= 20 else None
        return await router.pool_for(f"member:{self.member_id}", claimed)

    async def wrote(self, response: Response) -> None:
        """After a form that may have written: the member's reads wait for the replica."""
        router = self.resources.router
        if router is None or self.session is None:
            return
        lsn = await router.written(f"member:{self.member_id}")
        security.set_cookie(
            response,
            self.resources.settings,
            security.READ_AFTER,
            str(lsn),  # a number: cookies quote the slash of 16/B374D848
            max_age=security.READ_AFTER_SECONDS,
        )

    @property
    def key(self) -> bytes:
        return portal_key(self.resources.settings)

    @property
    def member_id(self) -> int:
        assert self.session is not None
        return self.session.member_id

    @property
    def session_id(self) -> int:
        assert self.session is not None
        return self.session.id

    @property
    def formats(self) -> Formats:
        return Formats(self.language, self.resources.settings.member_timezone)

    def gettext(self, message: str) -> str:
        return translations(self.language).gettext(message)

    def csrf(self) -> str:
        session_hash = None if self.session is None else self.session.token_hash
        return security.csrf_token(self.key, self.csrf_seed, session_hash)

    def csrf_ok(self, offered: str | None) -> bool:
        session_hash = None if self.session is None else self.session.token_hash
        return security.csrf_ok(self.key, self.request, offered, session_hash)

    def finish(self, response: Response) -> Response:
        settings = self.resources.settings
        if self.fresh_seed:
            security.set_cookie(response, settings, security.CSRF, self.csrf_seed, max_age=None)
        for name, value, max_age in self.cookies:
            if value is None:
                security.forget_cookie(response, settings, name)
            else:
                security.set_cookie(response, settings, name, value, max_age=max_age)
        response.headers.update(HEADERS)
        return response

    def render(self, template: str, *, status: int = 200, **context: Any) -> Response:
        page = ENVIRONMENTS[self.language].get_template(template)
        body = page.render(
            lang=self.language,
            languages=LANGUAGES,
            path=self.request.url.path,
            query=self.request.url.query,
            csrf=self.csrf(),
            signed_in=self.session is not None,
            f=self.formats,
            reason=lambda line: reason(self.gettext, line, self.formats),
            kind_name=lambda kind: kind_name(self.gettext, kind),
            **context,
        )
        return self.finish(HTMLResponse(body, status_code=status))

    def redirect(self, to: str) -> Response:
        return self.finish(RedirectResponse(to, status_code=303))

    def refuse_csrf(self) -> Response:
        return self.render("refused.html", status=403)
