"""Helpers of the CLI tests (fixtures are in ``conftest``)."""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from click.testing import Result

from exchange.kit.db import ensure_database, with_database
from exchange.migrations import upgrade

KEY = re.compile(r"\b(?:adm|fin|ptk)_[0-9a-f]{8}_[A-Za-z0-9_-]{43}(?![A-Za-z0-9_-])")


def only_key(output: str) -> str:
    """The one API key printed in ``output``."""
    keys = KEY.findall(output)
    assert len(keys) == 1, output
    return str(keys[0])


def one_line_error(result: Result, *, code: int = 2) -> str:
    """A refusal: the expected exit code, one line on stderr, and no traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


@contextmanager
def scratch_database(database_url: str, *, migrated: bool) -> Iterator[str]:
    """A database of its own on the test server, dropped afterwards."""
    server = with_database(database_url, "postgres")
    name = f"exchange_cli_{secrets.token_hex(4)}"
    ensure_database(server, name)
    url = with_database(database_url, name)
    try:
        if migrated:
            upgrade(url)
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
