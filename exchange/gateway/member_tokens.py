"""Member tokens for partners' own apps: the web app's one-time-code login, over JSON.

- ``POST /member/login/code`` ``{"identifier": "ana@example.com"}`` sends a code (the same
  sender as the web app) and answers 202 whether or not the identifier is a member's;
- ``POST /member/login/token`` ``{"identifier", "code"}`` answers
  ``{"token": "mbr_...", "expiresAt", "memberId"}``: the app sends it as
  ``Authorization: Bearer mbr_...`` to ``/graphql`` (``viewer``, ``transferPoints``);
- ``POST /member/logout`` with that header revokes the token.

Refusals are ``{"error": {"code", "message"}}``: 400 (INVALID_INPUT, INVALID_LOGIN_CODE),
429 with ``Retry-After`` (RATE_LIMITED), 401 (an unknown, revoked or expired token).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exchange.kit import clock
from exchange.kit.db import connection
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.kit.ids import to_global_id
from exchange.portal import login, sessions
from exchange.portal.errors import RateLimited
from exchange.portal.hashing import portal_key
from exchange.portal.senders import sender_for

from .auth import Unauthenticated, bearer_token
from .context import Resources
from .webapp.auth_pages import client_address

MAX_BODY = 4096


def _refuse(error: ExchangeError) -> JSONResponse:
    headers = {}
    status = 400
    if isinstance(error, RateLimited):
        status, headers = 429, {"retry-after": str(error.retry_after)}
    body = {"error": {"code": error.code, "message": error.message}}
    return JSONResponse(body, status_code=status, headers=headers)


async def _fields(request: Request, *names: str) -> dict[str, str]:
    body = await request.body()
    try:
        data: Any = json.loads(body) if len(body) <= MAX_BODY else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not all(isinstance(data.get(n), str) for n in names):
        raise InvalidInput(f"send a JSON object with {', '.join(names)} as strings")
    return {name: data[name] for name in names}


async def ask_for_code(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    try:
        fields = await _fields(request, "identifier")
        await login.request_code(
            resources.pool,
            resources.settings,
            sender_for(resources.settings),
            identifier=fields["identifier"],
            address=client_address(request),
            now=clock.now(),
        )
    except ExchangeError as error:
        return _refuse(error)
    return JSONResponse({"status": "sent if the identifier is a member's"}, status_code=202)


async def issue_token(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    try:
        fields = await _fields(request, "identifier", "code")
        token, session = await login.log_in(
            resources.pool,
            resources.settings,
            identifier=fields["identifier"],
            code=fields["code"],
            address=client_address(request),
            kind="TOKEN",
            now=clock.now(),
        )
    except ExchangeError as error:
        return _refuse(error)
    return JSONResponse(
        {
            "token": token,
            "expiresAt": session.expires_at.isoformat(),
            "memberId": to_global_id("Member", session.member_id),
        },
        headers={"cache-control": "no-store"},
    )


async def revoke_token(request: Request) -> Response:
    resources: Resources = request.app.state.resources
    now = clock.now()
    key = portal_key(resources.settings)
    try:
        token = bearer_token(request.headers.get("authorization"))
    except Unauthenticated as error:
        return JSONResponse({"error": {"code": "UNAUTHENTICATED", "message": error.message}}, 401)
    async with connection(resources.pool) as conn:
        session = await sessions.resolve(conn, token, kind="TOKEN", key=key, now=now)
        if session is None:
            message = "the member token is unknown, revoked or expired"
            return JSONResponse({"error": {"code": "UNAUTHENTICATED", "message": message}}, 401)
        await sessions.revoke(conn, session.id, now)
    return Response(status_code=204)


def member_token_routes() -> list[Route]:
    return [
        Route("/member/login/code", ask_for_code, methods=["POST"]),
        Route("/member/login/token", issue_token, methods=["POST"]),
        Route("/member/logout", revoke_token, methods=["POST"]),
    ]
