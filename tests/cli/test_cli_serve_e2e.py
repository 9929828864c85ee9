"""``exchange serve --demo`` as a user runs it: its own embedded PostgreSQL in a fresh data
directory, the printed curl earns points over HTTP, Ctrl-C stops the gateway and the database,
and a second run reuses the data without seeding again."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Served:
    """``exchange serve --demo`` in a subprocess, its output collected line by line."""

    def __init__(self, data_dir: Path, port: int) -> None:
        env = {k: v for k, v in os.environ.items() if k != "EXCHANGE_DATABASE_URL"}
        env.update(EXCHANGE_DATA_DIR=str(data_dir), PYTHONUNBUFFERED="1", COLUMNS="250")
        self.port = port
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "exchange.cli", "serve", "--demo", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_until_listening(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail(f"serve exited with {self.process.returncode}:\n{self.output}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.2)
        pytest.fail(f"serve did not listen within {START_TIMEOUT}s:\n{self.output}")

    def interrupt(self) -> int:
        """Ctrl-C, and the exit code once it has stopped."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        self.reader.join(timeout=10)
        return code


def post_curl(line: str) -> httpx.Response:
    """Send what the printed curl command would send."""
    words = shlex.split(line)
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    url = next(w for w in words[1:] if w.startswith("http"))
    return httpx.post(url, headers=headers, content=words[words.index("-d") + 1], timeout=30)


def balance_of(output: str, email: str) -> int:
    line = next(line for line in output.splitlines() if email in line)
    return int(line.split()[-1])


@pytest.fixture
def gateway_built() -> None:
    if importlib.util.find_spec("exchange.gateway.app") is None:
        pytest.skip("exchange.gateway.app is not built yet")


@pytest.mark.slow
@pytest.mark.usefixtures("gateway_built")
def test_serve_demo_end_to_end(tmp_path: Path) -> None:
    data_dir = tmp_path / "pgdata"
    first = run_first(data_dir)
    assert balance_of(first, "ana@example.com") == 151
    second = Served(data_dir, free_port())
    try:
        second.wait_until_listening()
    finally:
        code = second.interrupt()
    assert code == 0, second.output
    assert "already seeded" in second.output and "ptk_" not in second.output.split("Members")[0]
    assert balance_of(second.output, "ana@example.com") == 151 + 25
    assert not (data_dir / "postmaster.pid").exists()


def run_first(data_dir: Path) -> str:
    served = Served(data_dir, free_port())
    try:
        served.wait_until_listening()
        assert "Demo coalition created" in served.output
        assert len(set(re.findall(r"\bptk_[0-9a-f]{8}_", served.output))) == 3
        assert re.search(r"\badm_[0-9a-f]{8}_", served.output)
        assert (data_dir / "postmaster.pid").exists()
        curl = next(line for line in served.lines if line.startswith("curl "))
        response = post_curl(curl)
        assert response.status_code == 200, response.text
        earned = response.json()["data"]["earnPoints"]
        assert earned["userErrors"] == [] and earned["transaction"]["points"] == 25
        assert post_curl(curl).json()["data"]["earnPoints"] == earned  # idempotent
    finally:
        code = served.interrupt()
    assert code == 0, served.output
    assert not (data_dir / "postmaster.pid").exists(), "the embedded PostgreSQL still runs"
    return served.output
