"""``exchange check-config`` and ``serve --check-config``: production refuses every unsafe
setting, naming each, with exit code 1; safe settings pass; secrets are never printed."""

from __future__ import annotations

import os
import secrets

import pytest
from typer.testing import CliRunner

from exchange.cli.main import app
from exchange.kit.secrets_box import DEVELOPMENT_KEY
from exchange.kit.settings import get_settings

KEY = secrets.token_urlsafe(48)
SAFE = {
    "EXCHANGE_ENV": "production",
    "EXCHANGE_SECRET_KEY": KEY,
    "EXCHANGE_DATABASE_URL": "postgresql://exchange:db-password-1@db.internal:5432/exchange",
    "EXCHANGE_PUBLIC_URL": "https://exchange.example.com",
}


@pytest.fixture
def check(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Run a command with exactly these EXCHANGE_* variables set."""

    def run(env: dict[str, str], *args: str):  # type: ignore[no-untyped-def]
        for name in [n for n in os.environ if n.startswith("EXCHANGE_")]:
            monkeypatch.delenv(name)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.setenv("COLUMNS", "250")
        get_settings.cache_clear()
        try:
            return CliRunner().invoke(app, list(args or ["check-config"]))
        finally:
            get_settings.cache_clear()

    return run


def refused(result) -> list[str]:  # type: ignore[no-untyped-def]
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return [line for line in result.stderr.splitlines() if line.startswith("refused: ")]


def test_safe_production_settings_pass_and_hide_the_secrets(check):
    result = check(SAFE)
    assert result.exit_code == 0, result.output
    assert "The settings are safe for production." in result.output
    assert KEY not in result.output and "db-password-1" not in result.output
    assert "postgresql://exchange:***@db.internal:5432/exchange" in result.output
    assert f"set ({len(KEY)} characters)" in result.output
    introspection = next(line for line in result.output.splitlines() if "INTROSPECTION" in line)
    assert introspection.split() == ["EXCHANGE_INTROSPECTION", "off"]  # production's default


@pytest.mark.parametrize(
    ("change", "says"),
    [
        ({"EXCHANGE_SECRET_KEY": ""}, "EXCHANGE_SECRET_KEY is not set"),
        ({"EXCHANGE_SECRET_KEY": secrets.token_urlsafe(24)[:31]}, "too short (31 characters"),
        ({"EXCHANGE_SECRET_KEY": "ab" * 24}, "too regular to be random"),
        ({"EXCHANGE_SECRET_KEY": DEVELOPMENT_KEY}, "the public development key"),
        (
            {"EXCHANGE_SECRET_KEY": "change-me-at-least-32-random-characters"},
            "a template's placeholder",
        ),
        ({"EXCHANGE_DATABASE_URL": ""}, "EXCHANGE_DATABASE_URL is not set"),
        ({"EXCHANGE_PUBLIC_URL": ""}, "EXCHANGE_PUBLIC_URL is not set"),
        ({"EXCHANGE_PUBLIC_URL": "http://exchange.example.com"}, "must be an https:// address"),
        ({"EXCHANGE_DEBUG": "true"}, "EXCHANGE_DEBUG is on"),
        ({"EXCHANGE_INTROSPECTION": "true"}, "set EXCHANGE_ALLOW_INTROSPECTION=true to mean it"),
        ({"EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}, "private and loopback addresses"),
        ({"EXCHANGE_LOGIN_CODE_SENDER": "log"}, "writes members' login codes to the log"),
    ],
)
def test_each_unsafe_setting_is_refused_by_name(check, change, says):
    env = {**SAFE, **change}
    env = {name: value for name, value in env.items() if value != ""}
    (line,) = refused(check(env))
    assert says in line
    assert "1 setting(s) refused; nothing was started." in check(env).stderr


def test_introspection_on_purpose_is_allowed(check):
    env = {**SAFE, "EXCHANGE_INTROSPECTION": "true", "EXCHANGE_ALLOW_INTROSPECTION": "true"}
    result = check(env)
    assert result.exit_code == 0, result.output


def test_every_problem_is_named_at_once_and_serve_refuses_the_same(check):
    env = {
        "EXCHANGE_ENV": "production",
        "EXCHANGE_DEBUG": "1",
        "EXCHANGE_INTROSPECTION": "1",
        "EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
        "EXCHANGE_PUBLIC_URL": "http://exchange.example.com",
    }
    lines = refused(check(env))
    assert len(lines) == 6  # key, database, public URL, debug, introspection, private targets
    assert refused(check(env, "serve", "--check-config")) == lines
    # any other command refuses to start on them too (exit 2: before it touches anything)
    other = check(env, "keys", "list")
    assert other.exit_code == 2 and other.stderr.count("error: settings: ") == 6


def test_development_passes_and_notes_what_production_would_refuse(check):
    result = check({"EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"})
    assert result.exit_code == 0, result.output
    notes = [line for line in result.output.splitlines() if line.startswith("note: ")]
    assert any("PRIVATE_TARGETS" in note for note in notes)
    assert "fine for development" in result.output
    strict = check({"EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1"}, "check-config", "--production")
    assert any("PRIVATE_TARGETS" in line for line in refused(strict))


def test_serve_check_config_exits_without_serving_when_safe(check):
    result = check(SAFE, "serve", "--check-config")
    assert result.exit_code == 0, result.output
    assert "safe for production" in result.output and "GraphQL:" not in result.output


def test_a_value_that_does_not_parse_is_named(check):
    lines = refused(check({**SAFE, "EXCHANGE_POOL_SIZE": "ten"}))
    assert lines[0].startswith("refused: EXCHANGE_POOL_SIZE: ")
