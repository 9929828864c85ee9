"""Links that carry their own short-lived permission: an HMAC-SHA256 over the path and an
expiry, under a key derived from ``EXCHANGE_SECRET_KEY``. The gateway hands them only to a
caller allowed to read the path, so a browser can open a statement without an API key."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from urllib.parse import urlencode

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from exchange.kit.secrets_box import DEVELOPMENT_KEY
from exchange.kit.settings import Settings

LIFETIME = timedelta(minutes=15)
_INFO = b"points-exchange signed links v1"


def _key(settings: Settings) -> bytes:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else DEVELOPMENT_KEY
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def _signature(settings: Settings, path: str, expires: int) -> str:
    message = f"{path}\n{expires}".encode()
    return hmac.new(_key(settings), message, hashlib.sha256).hexdigest()


def sign(settings: Settings, path: str, *, now: datetime) -> str:
    """``path`` with ``expires`` and ``signature`` query parameters."""
    expires = int((now + LIFETIME).timestamp())
    query = urlencode({"expires": expires, "signature": _signature(settings, path, expires)})
    return f"{path}?{query}"


def verify(
    settings: Settings, path: str, expires: str | None, signature: str | None, *, now: datetime
) -> bool:
    if not expires or not signature or not expires.isdigit():
        return False
    if int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(_signature(settings, path, int(expires)), signature)
