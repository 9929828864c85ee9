"""The gateway served by uvicorn on 127.0.0.1 (a free port) in a thread of its own, with its
own pool on the test's database: what a browser talks to."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from exchange.gateway.app import create_app_from
from exchange.kit.settings import Settings


@contextmanager
def serve(settings: Settings) -> Iterator[str]:
    """The server's base URL while the block runs."""
    config = uvicorn.Config(
        create_app_from(settings, sweep=False),
        host="127.0.0.1",
        port=0,
        log_level="warning",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="live-gateway", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the gateway did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
