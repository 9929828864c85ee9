"""Secrets at rest (webhook secrets, signing keys): AES-256-GCM under a key derived by HKDF
from ``EXCHANGE_SECRET_KEY``.

A sealed value is ``v1.<base64 of nonce + ciphertext>``; the purpose it was sealed for is
authenticated too (associated data), so a value copied into another column does not open.
Without a secret key (development only: production refuses to start without one) a fixed,
public development key is used, with a warning: anyone can open what it seals.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

if TYPE_CHECKING:
    from exchange.kit.settings import Settings

logger = logging.getLogger("exchange.secrets")

VERSION = "v1"
NONCE_BYTES = 12
DEVELOPMENT_KEY = "points-exchange development key: not a secret, never for production"
_HKDF_INFO = b"points-exchange secrets at rest v1"
_warned = False


class SealedValueError(Exception):
    """A sealed value that is malformed or was sealed under another key or purpose."""


def derive_key(secret_key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_HKDF_INFO)
    return hkdf.derive(secret_key.encode())


class SecretBox:
    """Seals and opens small secrets; the plaintext never leaves the caller's hands."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def __repr__(self) -> str:
        return "SecretBox(<key hidden>)"

    @classmethod
    def from_settings(cls, settings: Settings) -> SecretBox:
        if settings.secret_key is not None:
            return cls(derive_key(settings.secret_key.get_secret_value()))
        _warn_development_key()
        return cls(derive_key(DEVELOPMENT_KEY))

    def seal(self, plaintext: bytes, *, purpose: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, plaintext, purpose.encode())
        return f"{VERSION}.{base64.b64encode(nonce + sealed).decode()}"

    def open(self, sealed: str, *, purpose: str) -> bytes:
        version, _, encoded = sealed.partition(".")
        if version != VERSION:
            raise SealedValueError(f"unknown sealed value version {version!r}")
        try:
            raw = base64.b64decode(encoded, validate=True)
            return self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], purpose.encode())
        except (binascii.Error, InvalidTag, ValueError):
            raise SealedValueError(
                "cannot open a sealed value: another EXCHANGE_SECRET_KEY, or damaged"
            ) from None


def _warn_development_key() -> None:
    global _warned
    if not _warned:
        _warned = True
        logger.warning(
            "EXCHANGE_SECRET_KEY is not set: webhook secrets and signing keys are encrypted"
            " with a fixed DEVELOPMENT key that anyone can read. Set EXCHANGE_SECRET_KEY"
            " (production refuses to start without it)."
        )
