"""The web app's cookies and CSRF tokens.

- ``xch_session``: the session token (HttpOnly, SameSite=Lax, Secure in production); the
  server keeps the session, so logging out (or out everywhere) ends it at once;
- ``xch_csrf``: a random value; every form carries ``csrf``, the keyed hash of that value and
  of the session, and a POST without the matching pair is refused (403). A site that cannot
  read our cookies cannot make the pair, and one made for another session does not match;
- ``xch_login``: between asking for a code and typing it, the identifier it was sent to,
  signed and short-lived;
- ``xch_card``: between asking to link a card and typing the code, the card's number and
  the session it was asked in, signed and short-lived;
- ``xch_lang``: the language the member picked.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from exchange.kit.settings import Settings
from exchange.portal.hashing import keyed_hash, same

SESSION = "xch_session"
CSRF = "xch_csrf"
LOGIN = "xch_login"
CARD = "xch_card"
LANG = "xch_lang"
READ_AFTER = "xch_read_after"
"""With a read replica: the member's last write position (see exchange.kit.replica)."""
READ_AFTER_SECONDS = 300
YEAR = 365 * 24 * 3600


def set_cookie(
    response: Response, settings: Settings, name: str, value: str, *, max_age: int | None
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.env == "production",
    )


def forget_cookie(response: Response, settings: Settings, name: str) -> None:
    response.delete_cookie(
        name, path="/", httponly=True, samesite="lax", secure=settings.env == "production"
    )


def new_csrf_seed() -> str:
    return secrets.token_urlsafe(24)


def csrf_token(key: bytes, seed: str, session_hash: str | None) -> str:
    return keyed_hash(key, "csrf", f"{seed}|{session_hash or ''}")


def csrf_ok(key: bytes, request: Request, offered: str | None, session_hash: str | None) -> bool:
    seed = request.cookies.get(CSRF)
    if not seed or not offered:
        return False
    return same(csrf_token(key, seed, session_hash), offered)


def pending_login(key: bytes, identifier: str, *, until: datetime) -> str:
    """The cookie value that remembers where a code went, until ``until``."""
    return signed_until(key, "pending-login", identifier, until=until)


def read_pending_login(key: bytes, value: str | None, *, now: datetime) -> str | None:
    return read_signed(key, "pending-login", value, now=now)


def signed_until(key: bytes, purpose: str, text: str, *, until: datetime) -> str:
    """``text``, signed for one purpose and good until ``until`` (a cookie's value)."""
    body = f"{base64.urlsafe_b64encode(text.encode()).decode()}.{int(until.timestamp())}"
    return f"{body}.{keyed_hash(key, purpose, body)}"


def read_signed(key: bytes, purpose: str, value: str | None, *, now: datetime) -> str | None:
    """The text of a value ``signed_until`` made for ``purpose``, while it is good."""
    if not value or value.count(".") != 2:
        return None
    encoded, until, signature = value.split(".")
    if not same(keyed_hash(key, purpose, f"{encoded}.{until}"), signature):
        return None
    if not until.isdigit() or int(until) <= now.timestamp():
        return None
    try:
        return base64.urlsafe_b64decode(encoded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
