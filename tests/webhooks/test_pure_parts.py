"""Worked examples of the pure parts: signatures as the published libraries check them, the
retry schedule, Retry-After, sealed secrets, and the settings production refuses."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook

from exchange.kit.secrets_box import SealedValueError, SecretBox, derive_key
from exchange.kit.settings import Settings
from partners.webhooks import schedule, signing
from partners.webhooks.schedule import Verdict


def test_an_hmac_signature_is_what_the_standard_webhooks_library_computes():
    secret = signing.new_secret()
    body = b'{"type":"points.earned"}'
    content = signing.signed_content("evt_1", 1_700_000_000, body)
    assert content == b'evt_1.1700000000.{"type":"points.earned"}'
    ours = signing.hmac_signature(signing.secret_bytes(secret), content)
    theirs = Webhook(secret).sign(
        "evt_1", datetime.fromtimestamp(1_700_000_000, UTC), body.decode()
    )
    assert ours == theirs
    assert len(signing.secret_bytes(secret)) == 32
    with pytest.raises(ValueError, match="whsec_"):
        signing.secret_bytes("sk_live_123")


def test_an_ed25519_signature_verifies_with_the_raw_public_key():
    key = Ed25519PrivateKey.generate()
    content = signing.signed_content("evt_2", 1_700_000_000, b"{}")
    version, _, encoded = signing.ed25519_signature(key, content).partition(",")
    assert version == "v1a"
    key.public_key().verify(base64.b64decode(encoded), content)
    assert signing.header(["v1a,a", "v1a,b"]) == "v1a,a v1a,b"


def test_the_retry_schedule():
    delays = [schedule.retry_delay(n, jitter=lambda: 0.0) for n in range(1, 10)]
    assert delays == [
        timedelta(seconds=5),
        timedelta(minutes=5),
        timedelta(minutes=30),
        timedelta(hours=2),
        timedelta(hours=5),
        timedelta(hours=10),
        timedelta(hours=14),
        timedelta(hours=20),
        timedelta(hours=24),
    ]
    assert schedule.retry_delay(1, jitter=lambda: 0.5) == timedelta(seconds=5.25)
    assert schedule.retry_delay(2, retry_after=timedelta(seconds=30), jitter=lambda: 0.0) == (
        timedelta(minutes=5)  # Retry-After waits at least that long, never less than planned
    )
    with pytest.raises(ValueError, match="no retry"):
        schedule.retry_delay(10)
    assert schedule.verdict(204, 1) is Verdict.SUCCEEDED
    assert schedule.verdict(410, 1) is Verdict.GONE
    assert schedule.verdict(None, 9) is Verdict.RETRY
    assert schedule.verdict(500, 10) is Verdict.DEAD
    assert schedule.verdict(302, 1) is Verdict.RETRY


def test_retry_after_as_seconds_or_a_date():
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert schedule.parse_retry_after("120", now) == timedelta(seconds=120)
    assert schedule.parse_retry_after("Mon, 23 Nov 2026 12:01:00 GMT", now) == timedelta(minutes=1)
    assert schedule.parse_retry_after("Mon, 23 Nov 2026 11:00:00 GMT", now) == timedelta(0)
    assert schedule.parse_retry_after("soon", now) is None
    assert schedule.parse_retry_after(None, now) is None


def test_sealed_values_open_only_with_their_key_and_purpose():
    box = SecretBox(derive_key("one key of at least thirty-two characters"))
    sealed = box.seal(b"whsec_abc", purpose="webhook-endpoint-secret")
    assert sealed.startswith("v1.") and b"whsec_abc" not in base64.b64decode(sealed[3:])
    assert box.open(sealed, purpose="webhook-endpoint-secret") == b"whsec_abc"
    assert box.seal(b"same", purpose="p") != box.seal(b"same", purpose="p")  # fresh nonce
    with pytest.raises(SealedValueError):
        box.open(sealed, purpose="webhook-signing-key")
    other = SecretBox(derive_key("another key of at least thirty-two characters"))
    with pytest.raises(SealedValueError):
        other.open(sealed, purpose="webhook-endpoint-secret")
    with pytest.raises(SealedValueError):
        box.open("v1.not-base64!", purpose="webhook-endpoint-secret")
    assert "key" in repr(box) and "hidden" in repr(box)


def test_production_refuses_to_start_without_a_secret_key_or_with_private_targets():
    urls = {"database_url": "postgresql://db/x", "public_url": "https://exchange.example.com"}
    with pytest.raises(ValidationError, match="EXCHANGE_SECRET_KEY"):
        Settings(env="production", **urls)
    with pytest.raises(ValidationError, match="EXCHANGE_SECRET_KEY"):
        Settings(env="production", secret_key="short", **urls)  # type: ignore[arg-type]
    key = "k7Qz-2pW_vX9mR4tY8nB3cF6hJ1sL5dG0aE"
    with pytest.raises(ValidationError, match="PRIVATE_TARGETS"):
        Settings(env="production", secret_key=key, webhook_allow_private_targets=True, **urls)  # type: ignore[arg-type]
    settings = Settings(env="production", secret_key=key, **urls)  # type: ignore[arg-type]
    assert key not in repr(settings)
    assert Settings(env="development").secret_key is None  # development may go without


def test_without_a_secret_key_development_seals_with_a_fixed_key_and_says_so(caplog):
    from exchange.kit import secrets_box

    secrets_box._warned = False
    box = SecretBox.from_settings(Settings(env="development"))
    again = SecretBox.from_settings(Settings(env="development"))
    assert again.open(box.seal(b"x", purpose="p"), purpose="p") == b"x"
    assert "DEVELOPMENT key" in caplog.text
