"""What an HTTP load generator is asked to do, and what it reports back.

The same spec drives wrk (written as a Lua table the script loads) and the Python fallback
(written as JSON); both print one ``BENCH_RESULT {json}`` line that :class:`LoadReport` reads.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bench.results import Latency

Mode = Literal["mix", "balance"]
RESULT_PREFIX = "BENCH_RESULT "
EARN_SHARE = 0.7

EARN = (
    "mutation Earn($input: EarnPointsInput!) { earnPoints(input: $input)"
    " { userErrors { code } transaction { id } } }"
)
BURN = (
    "mutation Burn($input: BurnPointsInput!) { burnPoints(input: $input)"
    " { userErrors { code } transaction { id } } }"
)
BALANCE = "query Balance($id: ID!) { member(id: $id) { availableBalance } }"


@dataclass(frozen=True)
class LoadSpec:
    url: str
    mode: Mode
    keys: list[str]
    """Partner API keys; members refer to them by index (0-based)."""
    members: list[tuple[str, int]]
    """(member global id, index in ``keys`` of the partner that sends its requests)."""
    seconds: float
    connections: int
    threads: int = 2
    currency: str = "EUR"
    earn_share: float = EARN_SHARE
    mean_delay_ms: float = 0.0
    """Think time per connection before each request (open-ish loop); 0: closed loop."""
    token: str = field(default_factory=lambda: secrets.token_hex(4))
    """Prefix of the idempotency keys, so that no two runs share one."""

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "earn": EARN, "burn": BURN, "balance": BALANCE}

    def as_lua(self) -> str:
        """The spec as a Lua chunk returning a table (keys and members 1-based for Lua)."""
        members = ",\n".join(f"{{{_lua(gid)},{index + 1}}}" for gid, index in self.members)
        keys = ",".join(_lua(key) for key in self.keys)
        return (
            "return {\n"
            f"mode={_lua(self.mode)}, currency={_lua(self.currency)}, token={_lua(self.token)},\n"
            f"earn_share={self.earn_share!r}, mean_delay_ms={self.mean_delay_ms!r},\n"
            f"earn={_lua(EARN)}, burn={_lua(BURN)}, balance={_lua(BALANCE)},\n"
            f"keys={{{keys}}},\n"
            f"members={{\n{members}\n}}\n"
            "}\n"
        )


def _lua(text: str) -> str:
    """A Lua string literal (JSON's escapes are valid Lua for the characters used here)."""
    return json.dumps(text)


@dataclass(frozen=True)
class LoadReport:
    generator: str
    connections: int
    requests: int
    """Responses received (any status)."""
    seconds: float
    status_errors: int
    """Responses that were not 2xx/3xx."""
    socket_errors: int
    graphql_errors: int
    """200 responses with top-level GraphQL ``errors``."""
    user_errors: int
    """200 responses whose payload carried ``userErrors`` (business refusals)."""
    first_error: str
    latency: Latency | None
    mean_latency_ms: float | None

    @property
    def succeeded(self) -> int:
        return max(0, self.requests - self.status_errors - self.graphql_errors - self.user_errors)

    @property
    def per_second(self) -> float:
        return self.succeeded / self.seconds if self.seconds > 0 else 0.0

    @property
    def failures(self) -> int:
        return self.status_errors + self.socket_errors + self.graphql_errors + self.user_errors

    def describe_failures(self) -> str | None:
        if not self.failures:
            return None
        sample = f" (first: {self.first_error})" if self.first_error else ""
        return (
            f"failed: {self.status_errors} non-2xx, {self.socket_errors} socket errors,"
            f" {self.graphql_errors} GraphQL errors, {self.user_errors} userErrors{sample}"
        )

    @classmethod
    def parse(cls, generator: str, connections: int, output: str) -> LoadReport:
        for line in output.splitlines():
            if line.startswith(RESULT_PREFIX):
                data = json.loads(line[len(RESULT_PREFIX) :])
                break
        else:
            raise RuntimeError(f"{generator} printed no result:\n{output[-2000:]}")
        latency = data["latency_ms"]
        return cls(
            generator=generator,
            connections=connections,
            requests=int(data["requests"]),
            seconds=float(data["seconds"]),
            status_errors=int(data["status_errors"]),
            socket_errors=int(data["socket_errors"]),
            graphql_errors=int(data["graphql_errors"]),
            user_errors=int(data["user_errors"]),
            first_error=str(data.get("first_error") or ""),
            latency=Latency(
                p50=round(latency["p50"], 2),
                p95=round(latency["p95"], 2),
                p99=round(latency["p99"], 2),
            )
            if data["requests"]
            else None,
            mean_latency_ms=float(latency["mean"]) if data["requests"] else None,
        )
