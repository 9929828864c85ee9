"""Keyed hashes for what the portal stores about secrets and people: login codes, session
tokens, identifiers and addresses in rate-limit buckets, CSRF tokens. HMAC-SHA256 under a key
derived from ``EXCHANGE_SECRET_KEY``: a stolen table cannot be brute-forced offline (a
six-digit code has only a million values) without the key."""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from exchange.kit.secrets_box import DEVELOPMENT_KEY
from exchange.kit.settings import Settings

_INFO = b"points-exchange member portal v1"


@lru_cache(maxsize=8)
def _derive(secret: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret.encode())


def portal_key(settings: Settings) -> bytes:
    secret = settings.secret_key.get_secret_value() if settings.secret_key else DEVELOPMENT_KEY
    return _derive(secret)


def keyed_hash(key: bytes, purpose: str, value: str) -> str:
    """The hex HMAC of ``value`` for one purpose (a value hashed for one never matches
    another)."""
    return hmac.new(key, f"{purpose}\n{value}".encode(), hashlib.sha256).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time comparison."""
    return hmac.compare_digest(a.encode(), b.encode())
