"""What production refuses: the rules ``EXCHANGE_ENV=production`` checks before anything
starts, and ``exchange check-config`` prints. Each rule says what is wrong and what to set."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from exchange.kit.secrets_box import DEVELOPMENT_KEY

if TYPE_CHECKING:
    from exchange.kit.settings import Settings

MIN_SECRET_KEY = 32
MIN_DISTINCT_CHARACTERS = 8
"""A random key of 32 characters has far more; ``aaaa...`` or ``abab...`` does not."""
PLACEHOLDERS = ("change-me", "changeme", "replace", "example", "secret-key")
"""Words of the templates' placeholder keys (deploy/.env.example, secret.example.yaml)."""


class ProductionRefused(ValueError):
    """The settings break a production rule; ``problems`` names each (one line each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("refused with EXCHANGE_ENV=production: " + "; ".join(problems))
        self.problems = problems


def secret_key_problem(key: str | None) -> str | None:
    """Why this EXCHANGE_SECRET_KEY cannot protect production, if it cannot."""
    if key is None or not key.strip():
        return "EXCHANGE_SECRET_KEY is not set: webhook secrets and signing keys need it"
    if key == DEVELOPMENT_KEY:
        return "EXCHANGE_SECRET_KEY is the public development key"
    if len(key) < MIN_SECRET_KEY:
        return (
            f"EXCHANGE_SECRET_KEY is too short ({len(key)} characters, at least {MIN_SECRET_KEY})"
        )
    if len(set(key)) < MIN_DISTINCT_CHARACTERS:
        return "EXCHANGE_SECRET_KEY is too regular to be random (a few characters repeated)"
    if any(word in key.lower() for word in PLACEHOLDERS):
        return "EXCHANGE_SECRET_KEY is a template's placeholder"
    return None


def production_problems(settings: Settings) -> list[str]:
    """Every reason these settings are unsafe in production (empty: safe), whatever
    EXCHANGE_ENV says. Only explicit choices count where production's default is safe
    (introspection, the login code sender)."""
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    checks = [
        secret_key_problem(secret),
        _database_problem(settings.database_url),
        _public_url_problem(settings.public_url),
        "EXCHANGE_DEBUG is on: diagnostics are for development" if settings.debug else None,
        _introspection_problem(settings.introspection, settings.allow_introspection),
        "EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS is on: webhooks could reach private and"
        " loopback addresses (SSRF)"
        if settings.webhook_allow_private_targets
        else None,
        "EXCHANGE_LOGIN_CODE_SENDER=log writes members' login codes to the log (use webhook)"
        if settings.login_code_sender == "log"
        else None,
    ]
    return [problem for problem in checks if problem is not None]


def _database_problem(url: str | None) -> str | None:
    if not url:
        return (
            "EXCHANGE_DATABASE_URL is not set: production would run on an embedded PostgreSQL"
            " inside this process's data directory"
        )
    return None


def _public_url_problem(url: str | None) -> str | None:
    if not url:
        return "EXCHANGE_PUBLIC_URL is not set: say where partners and members reach the exchange"
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        return (
            f"EXCHANGE_PUBLIC_URL must be an https:// address (got {parts.scheme or 'no'}"
            " scheme): session cookies and API keys would cross the network in clear"
        )
    return None


def _introspection_problem(introspection: bool | None, allowed: bool) -> str | None:
    if introspection and not allowed:
        return (
            "EXCHANGE_INTROSPECTION=true shows the whole schema to anyone: set"
            " EXCHANGE_ALLOW_INTROSPECTION=true to mean it, or leave introspection off"
        )
    return None
