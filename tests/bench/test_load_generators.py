"""The load generators against a stub GraphQL server: what they send and what they count.

wrk (when installed) and the Python fallback must send unique idempotency keys, each member
with its partner's key, the earn/burn mix, and count userErrors and non-2xx responses.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench.load import pyload, wrk
from bench.load.spec import LoadReport, LoadSpec

MEMBERS = [("TWVtYmVyOjE", 0), ("TWVtYmVyOjI", 1), ("TWVtYmVyOjM", 1)]
KEYS = ["ptk_a", "ptk_b"]


class Seen:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.keys: list[str] = []
        self.operations: Counter[str] = Counter()
        self.bad_auth = 0


def stub(seen: Seen) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            variables = body["variables"]
            member = variables.get("id") or variables["input"]["memberId"]
            expected = KEYS[dict(MEMBERS)[member]]
            status, answer = 200, {"data": {}}
            with seen.lock:
                if self.headers["Authorization"] != f"Bearer {expected}":
                    seen.bad_auth += 1
                if "earnPoints" in body["query"]:
                    seen.operations["earn"] += 1
                    seen.keys.append(variables["input"]["idempotencyKey"])
                    answer = {"data": {"earnPoints": {"userErrors": [], "transaction": {}}}}
                elif "burnPoints" in body["query"]:
                    seen.operations["burn"] += 1
                    seen.keys.append(variables["input"]["idempotencyKey"])
                    refused = {"userErrors": [{"code": "INSUFFICIENT_POINTS"}], "transaction": None}
                    answer = {"data": {"burnPoints": refused}}
                else:
                    seen.operations["balance"] += 1
                    status = 500 if seen.operations["balance"] % 10 == 0 else 200
                    answer = {"data": {"member": {"availableBalance": 7}}}
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


@pytest.fixture
def server() -> Iterator[tuple[str, Seen]]:
    seen = Seen()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), stub(seen))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/graphql", seen
    httpd.shutdown()
    httpd.server_close()


GENERATORS = [
    pytest.param(wrk.run_wrk, marks=pytest.mark.skipif(not wrk.available(), reason="no wrk")),
    pytest.param(pyload.run_python),
]


@pytest.mark.parametrize("generate", GENERATORS)
def test_mix_sends_unique_keys_with_the_members_partner_key_and_counts_user_errors(
    generate, server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, seen = server
    spec = LoadSpec(url=url, mode="mix", keys=KEYS, members=MEMBERS, seconds=1, connections=4)
    report: LoadReport = generate(spec, tmp_path)
    assert report.requests > 0
    assert seen.bad_auth == 0
    assert len(set(seen.keys)) == len(seen.keys)
    assert all(key.startswith(spec.token) for key in seen.keys)
    assert seen.operations["earn"] > seen.operations["burn"] > 0
    # every burn is refused by the stub; requests cut off at the end are never answered
    assert 0 < report.user_errors <= seen.operations["burn"]
    assert report.succeeded == report.requests - report.user_errors
    assert report.latency is not None and report.latency.p99 >= report.latency.p50


@pytest.mark.parametrize("generate", GENERATORS)
def test_balance_counts_failed_responses(
    generate, server: tuple[str, Seen], tmp_path: Path
) -> None:
    url, seen = server
    spec = LoadSpec(
        url=url,
        mode="balance",
        keys=KEYS,
        members=MEMBERS,
        seconds=1,
        connections=2,
        mean_delay_ms=5,
    )
    report: LoadReport = generate(spec, tmp_path)
    assert seen.operations["balance"] >= report.requests > 0
    assert report.status_errors > 0
    assert seen.bad_auth == 0
    assert "HTTP 500" in report.describe_failures()  # type: ignore[operator]
