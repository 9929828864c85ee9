"""Standard Webhooks signatures (pure): what ``webhook-signature`` carries.

The signed content is ``{webhook-id}.{webhook-timestamp}.{body}``. HMAC-SHA256 with the
endpoint's ``whsec_`` secret gives ``v1,<base64>``; Ed25519 with the exchange's signing key
gives ``v1a,<base64>``. During a rotation the header carries one signature per live secret
or key, separated by spaces; a receiver accepts the delivery when any one verifies.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix, not a secret
SECRET_BYTES = 32


def signed_content(msg_id: str, timestamp: int, body: bytes) -> bytes:
    return f"{msg_id}.{timestamp}.".encode() + body


def new_secret() -> str:
    """A new ``whsec_`` secret: 32 random bytes, base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_bytes(secret: str) -> bytes:
    """The key inside a ``whsec_`` secret."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except binascii.Error:
        raise ValueError("a webhook secret is base64 after whsec_") from None


def hmac_signature(key: bytes, content: bytes) -> str:
    digest = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def ed25519_signature(key: Ed25519PrivateKey, content: bytes) -> str:
    return "v1a," + base64.b64encode(key.sign(content)).decode()


def header(signatures: Iterable[str]) -> str:
    return " ".join(signatures)
