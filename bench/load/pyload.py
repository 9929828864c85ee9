"""The Python fallback load generator (httpx), for machines without wrk.

Runs as its own process (``python -m bench.load.pyload SPEC.json``) so that it never shares
an interpreter with the server; it still takes a core of its own, so its figures are low.
Same requests and the same ``BENCH_RESULT`` line as ``gateway.lua``.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bench.load.spec import RESULT_PREFIX, LoadReport, LoadSpec

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass
class _Counts:
    requests: int = 0
    status_errors: int = 0
    socket_errors: int = 0
    graphql_errors: int = 0
    user_errors: int = 0
    first_error: str = ""
    latencies: list[float] = field(default_factory=list)

    def remember(self, what: str) -> None:
        if not self.first_error:
            self.first_error = what


def _body(spec: dict[str, Any], rng: random.Random, member: list[Any], key: str) -> bytes:
    if spec["mode"] == "balance":
        payload: dict[str, Any] = {"query": spec["balance"], "variables": {"id": member[0]}}
    elif rng.random() < spec["earn_share"]:
        amount = {"amount": f"{rng.randint(5, 50)}.00", "currency": spec["currency"]}
        payload = {
            "query": spec["earn"],
            "variables": {
                "input": {"memberId": member[0], "amount": amount, "idempotencyKey": key}
            },
        }
    else:
        payload = {
            "query": spec["burn"],
            "variables": {
                "input": {
                    "memberId": member[0],
                    "points": rng.randint(1, 10),
                    "idempotencyKey": key,
                }
            },
        }
    return json.dumps(payload).encode()


def _check(counts: _Counts, response: httpx.Response) -> None:
    if response.status_code >= 400:
        counts.status_errors += 1
        counts.remember(f"HTTP {response.status_code}")
        return
    data = response.json()
    if data.get("errors"):
        counts.graphql_errors += 1
        counts.remember(str(data["errors"][0].get("extensions", {}).get("code", "GraphQL error")))
        return
    for payload in (data.get("data") or {}).values():
        if isinstance(payload, dict) and payload.get("userErrors"):
            counts.user_errors += 1
            counts.remember(str(payload["userErrors"][0].get("code", "userError")))


async def _connection(
    spec: dict[str, Any], client: httpx.AsyncClient, number: int, deadline: float, counts: _Counts
) -> None:
    rng = random.Random(f"{spec['token']}-{number}")  # noqa: S311 - load, not secrets
    headers = [
        {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
        for key in spec["keys"]
    ]
    sent = 0
    while time.perf_counter() < deadline:
        if spec["mean_delay_ms"] > 0:
            await asyncio.sleep(rng.expovariate(1000 / spec["mean_delay_ms"]))
        sent += 1
        member = rng.choice(spec["members"])
        body = _body(spec, rng, member, f"{spec['token']}-{number}-{sent}")
        started = time.perf_counter()
        try:
            response = await client.post(spec["url"], content=body, headers=headers[member[1]])
        except httpx.HTTPError:
            counts.socket_errors += 1
            continue
        counts.latencies.append(time.perf_counter() - started)
        counts.requests += 1
        _check(counts, response)


def _percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, math.floor(q * len(ordered)))] * 1000


async def _main(spec: dict[str, Any]) -> dict[str, Any]:
    counts = _Counts()
    limits = httpx.Limits(max_connections=spec["connections"])
    async with httpx.AsyncClient(limits=limits, timeout=10.0) as client:
        started = time.perf_counter()
        deadline = started + spec["seconds"]
        await asyncio.gather(
            *(
                _connection(spec, client, number, deadline, counts)
                for number in range(spec["connections"])
            )
        )
        elapsed = time.perf_counter() - started
    ordered = sorted(counts.latencies)
    return {
        "requests": counts.requests,
        "seconds": elapsed,
        "status_errors": counts.status_errors,
        "socket_errors": counts.socket_errors,
        "graphql_errors": counts.graphql_errors,
        "user_errors": counts.user_errors,
        "first_error": counts.first_error,
        "latency_ms": {
            "mean": sum(ordered) / len(ordered) * 1000 if ordered else 0.0,
            **{
                name: _percentile(ordered, q)
                for name, q in (
                    ("p50", 0.5),
                    ("p75", 0.75),
                    ("p90", 0.9),
                    ("p95", 0.95),
                    ("p99", 0.99),
                )
            },
        },
    }


def run_python(spec: LoadSpec, workdir: Path) -> LoadReport:
    spec_file = workdir / f"spec-{spec.token}.json"
    spec_file.write_text(json.dumps(spec.as_json()))
    done = subprocess.run(  # noqa: S603 - fixed program, arguments built here
        [sys.executable, "-m", "bench.load.pyload", str(spec_file)],
        capture_output=True,
        text=True,
        timeout=spec.seconds + 60,
        check=False,
        cwd=REPO_ROOT,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the Python load generator failed:\n{done.stderr[-2000:]}")
    return LoadReport.parse("python", spec.connections, done.stdout)


def main(argv: list[str]) -> int:
    spec = json.loads(Path(argv[0]).read_text())
    result = asyncio.run(_main(spec))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
