"""``exchange db url``, ``exchange migrate``, and the refusal to use an unmigrated database."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg
import pytest
from cli_support import one_line_error, scratch_database

from exchange.kit.db import libpq_url
from exchange.kit.settings import get_settings
from exchange.migrations import is_current


async def test_db_url_prints_a_postgresql_url(cli, database_url):
    result = await cli("db", "url")
    assert result.exit_code == 0, result.output
    printed = result.stdout.strip()
    assert printed == libpq_url(database_url)
    with psycopg.connect(printed) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)


def test_db_url_starts_the_embedded_server_when_no_url_is_set(tmp_path):
    data_dir = tmp_path / "pgdata"
    env = {k: v for k, v in os.environ.items() if k != "EXCHANGE_DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "exchange.cli", "db", "url", "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("postgresql://") and str(data_dir) in result.stdout
    assert "Traceback" not in result.stderr
    assert not (data_dir / "postmaster.pid").exists()  # it was the only user: stopped again


@pytest.fixture
def empty_database(database_url, monkeypatch):
    with scratch_database(database_url, migrated=False) as url:
        monkeypatch.setenv("EXCHANGE_DATABASE_URL", url)
        get_settings.cache_clear()
        yield url


async def test_commands_refuse_an_unmigrated_database_until_migrate(cli, empty_database):
    assert "exchange migrate" in one_line_error(await cli("keys", "list"))
    assert "not migrated" in one_line_error(await cli("serve", "--port", "1"))
    migrated = await cli("migrate")
    assert migrated.exit_code == 0, migrated.output
    assert "Migrated" in migrated.output and is_current(empty_database)
    again = await cli("migrate")
    assert again.exit_code == 0 and "Already" in again.output
    assert (await cli("keys", "list")).exit_code == 0
    with psycopg.connect(empty_database) as conn:
        recorded = conn.execute(
            "SELECT e.operation, o.outcome FROM audit_events e"
            " JOIN audit_outcomes o ON o.event_id = e.id ORDER BY e.id"
        ).fetchall()
    # the first migrate made the trail: it is recorded once it exists, the second before it ran
    assert recorded == [("migrate", "OK"), ("migrate", "OK")]
