"""deploy/postgresql.conf: every parameter is one PostgreSQL knows (asked of the test
server), set once, explained by a comment, and never trades durability for speed."""

from __future__ import annotations

import re

import psycopg
import pytest
from deploy_support import DEPLOY

CONF = (DEPLOY / "postgresql.conf").read_text()
SETTING = re.compile(r"^([a-z_][a-z0-9_.]*)\s*=\s*(.+?)\s*$")


def settings() -> dict[str, str]:
    found: dict[str, str] = {}
    for line in CONF.splitlines():
        match = SETTING.match(line)
        if match:
            name, value = match.groups()
            assert name not in found, f"{name} set twice"
            found[name] = value
    return found


def test_every_parameter_is_known_to_the_server(database_url):
    with psycopg.connect(database_url) as conn:
        known = {row[0].lower() for row in conn.execute("SELECT name FROM pg_settings")}
    # pg_stat_statements.* exist once the library is preloaded (it is, by this file)
    unknown = {n for n in settings() if n not in known and not n.startswith("pg_stat_statements.")}
    assert not unknown
    assert "pg_stat_statements" in settings()["shared_preload_libraries"]


def test_every_setting_is_explained_by_the_comment_above_its_group():
    lines = CONF.splitlines()
    for number, line in enumerate(lines):
        if not SETTING.match(line):
            continue
        above = number - 1
        while above >= 0 and SETTING.match(lines[above]):
            above -= 1
        assert (
            above >= 0 and lines[above].startswith("# ") and not lines[above].startswith("# ---")
        ), f"line {number + 1}: {line!r} has no reason above it"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("fsync", "on"),
        ("synchronous_commit", "on"),
        ("full_page_writes", "on"),
        ("wal_level", "replica"),  # read replicas and point-in-time recovery
        ("hot_standby", "on"),
        ("archive_mode", "on"),
    ],
)
def test_durability_and_replication_are_kept(name, value):
    assert settings()[name] == value


def test_connections_cover_the_compose_deployment():
    # 2 gateways x 2 uvicorn processes x (pool 10 + 2 LISTEN) + 2 workers x 4
    assert int(settings()["max_connections"]) >= 2 * 2 * (10 + 2) + 2 * 4
    assert "idle_in_transaction_session_timeout" in settings()
