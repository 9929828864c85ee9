"""A load driver for the gateway over HTTP: many concurrent clients issue random point-moving
operations and remember every answer they were given.

Each client draws from its own ``random.Random(f"{seed}:{client}")``: the operation, the
member, the partner, the amounts, and whether to send the request again. The operations:
earnPoints, burnPoints, authorizeBurn, captureBurn, voidBurn, reverseEarn, refundBurn (as the
partner, with its API key) and transferPoints (as the member, with a member token). Captures,
voids, reversals and refunds pick from the holds, earns and burns acknowledged so far (shared
by all clients, so two may race for the same hold).

A call is sent until it is *acknowledged* (an HTTP 200 with the mutation's payload): a
connection error, a timeout, a 503 or a 429 (after its Retry-After) is retried with the same
idempotency key and input, as a careful partner would. Besides, ``retry_share`` of the
acknowledged calls are sent once more with the same key (half of them while the first is
still in flight): the answers of one key must agree. Every acknowledged answer is kept
(``Ack``), with the calls never acknowledged and every answer the contract does not allow (a
500, an ``INTERNAL_SERVER_ERROR``).

Nothing here imports pytest: the multi-process scale-out test drives its gateways with it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx

from exchange.kit.ids import from_global_id

WEIGHTS = {
    "earnPoints": 30,
    "burnPoints": 12,
    "authorizeBurn": 14,
    "captureBurn": 10,
    "voidBurn": 5,
    "reverseEarn": 9,
    "refundBurn": 8,
    "transferPoints": 12,
}
RESULT = {
    "transaction": "transaction { id kind points }",
    "hold": "hold { id points }",
}
FIELDS = {
    "earnPoints": RESULT["transaction"],
    "burnPoints": RESULT["transaction"],
    "authorizeBurn": RESULT["hold"],
    "captureBurn": RESULT["transaction"] + " " + RESULT["hold"],
    "voidBurn": RESULT["hold"],
    "reverseEarn": RESULT["transaction"],
    "refundBurn": RESULT["transaction"],
    "transferPoints": RESULT["transaction"],
}
RETRY_DEADLINE = 300.0
"""Seconds a call is retried (through outages and restarts) before it is given up."""
UNEXPECTED = "INTERNAL_SERVER_ERROR"


@dataclass(frozen=True)
class Partner:
    id: int
    code: str
    api_key: str


@dataclass(frozen=True)
class Member:
    id: int
    token: str
    """A member app token (``mbr_...``): transferPoints is the member's own call."""

    @property
    def gid(self) -> str:
        from exchange.kit.ids import to_global_id

        return to_global_id("Member", self.id)


@dataclass(frozen=True)
class Coalition:
    partners: list[Partner]
    members: list[Member]
    currency: str = "EUR"


@dataclass(frozen=True)
class Call:
    """One business operation: who asks, under which key, with what input."""

    operation: str
    caller: str
    """The idempotency scope as the ledger records it: ``partner:ID`` or ``member:ID``."""
    bearer: str
    key: str
    input: dict[str, Any]

    def body(self) -> dict[str, Any]:
        name = self.operation
        query = (
            f"mutation($input: {name[0].upper()}{name[1:]}Input!) {{ {name}(input: $input)"
            f" {{ {FIELDS[name]} userErrors {{ code }} }} }}"
        )
        return {"query": query, "variables": {"input": self.input}}


@dataclass(frozen=True)
class Ack:
    """An acknowledged answer: done (ids and points) or refused (a userError code)."""

    call: Call
    code: str | None
    transaction_id: int | None
    hold_id: int | None
    points: int | None
    sent: int
    """Requests it took (1 when nothing failed on the way)."""
    at: float

    @property
    def ok(self) -> bool:
        return self.code is None

    def result(self) -> tuple[object, ...]:
        return (self.code, self.transaction_id, self.hold_id, self.points)


@dataclass
class Report:
    acks: list[Ack] = field(default_factory=list)
    unacknowledged: list[Call] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    """Answers the contract does not allow: HTTP 5xx other than 503, INTERNAL_SERVER_ERROR."""
    unavailable: list[float] = field(default_factory=list)
    """When the gateway answered 503 (the database unreachable): retried."""
    limited: list[float] = field(default_factory=list)
    """When the gateway answered 429 (the key's rate limit): retried after Retry-After."""
    transport_errors: int = 0
    requests: int = 0
    calls: int = 0
    replays: int = 0
    elapsed: float = 0.0

    def by_key(self) -> dict[tuple[str, str], list[Ack]]:
        grouped: dict[tuple[str, str], list[Ack]] = {}
        for ack in self.acks:
            grouped.setdefault((ack.call.caller, ack.call.key), []).append(ack)
        return grouped

    def summary(self) -> str:
        done = sum(1 for ack in self.acks if ack.ok)
        return (
            f"{self.calls} calls ({self.replays} sent again), {self.requests} requests in"
            f" {self.elapsed:.1f} s; {len(self.acks)} answers, {done} done;"
            f" {len(self.unacknowledged)} never answered; {self.transport_errors} transport"
            f" errors, {len(self.unavailable)} x 503, {len(self.limited)} x 429,"
            f" {len(self.unexpected)} unexpected"
        )


@dataclass
class Shared:
    """What the clients pick from: acknowledged holds, earns and burns."""

    holds: list[tuple[int, int]] = field(default_factory=list)
    """(hold id, partner index)"""
    earns: list[tuple[int, int, Decimal]] = field(default_factory=list)
    """(transaction id, partner index, amount)"""
    burns: list[tuple[int, int, int]] = field(default_factory=list)
    """(transaction id, partner index, points)"""


@dataclass(frozen=True)
class Options:
    operations: int
    clients: int = 24
    seed: int = 0
    retry_share: float = 0.10
    timeout: float = 10.0
    """Seconds a client waits for an answer before it gives up on the request (and retries)."""
    short_hold_share: float = 0.1
    """Holds that expire within seconds (the sweeper releases them; captures are refused)."""


def _gid(type_name: str, db_id: int) -> str:
    from exchange.kit.ids import to_global_id

    return to_global_id(type_name, db_id)


def _id(node: dict[str, Any] | None) -> int | None:
    return None if node is None else from_global_id(node["id"])[1]


class Driver:
    def __init__(
        self,
        base_url: str,
        coalition: Coalition,
        options: Options,
        *,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.url = f"{base_url}/graphql"
        self.coalition = coalition
        self.options = options
        self.report = Report()
        self.shared = Shared()
        self.progress = progress
        self._issued = itertools.count()
        self.completed = 0
        self.finished = False
        self._keys = itertools.count(1)
        self._run = f"s{options.seed}-{random.Random(options.seed).getrandbits(32):08x}"

    # --- drawing operations -------------------------------------------------------------

    def _key(self, operation: str) -> str:
        return f"chaos-{self._run}-{operation}-{next(self._keys)}"

    def _partner_call(self, operation: str, partner: int, data: dict[str, Any]) -> Call:
        chosen = self.coalition.partners[partner]
        key = self._key(operation)
        return Call(
            operation,
            f"partner:{chosen.id}",
            chosen.api_key,
            key,
            {**data, "idempotencyKey": key},
        )

    def _money(self, amount: Decimal) -> dict[str, str]:
        return {"amount": f"{amount:.2f}", "currency": self.coalition.currency}

    def draw(self, rng: random.Random) -> Call:
        """The next call: a weighted operation, or an earn while there is nothing to pick."""
        operation = rng.choices(list(WEIGHTS), weights=list(WEIGHTS.values()))[0]
        picked = getattr(self, f"_draw_{operation}")(rng)
        return picked if picked is not None else self._draw_earnPoints(rng)

    def _member(self, rng: random.Random) -> Member:
        return rng.choice(self.coalition.members)

    def _partner(self, rng: random.Random) -> int:
        return rng.randrange(len(self.coalition.partners))

    def _draw_earnPoints(self, rng: random.Random) -> Call:
        amount = Decimal(rng.randint(500, 15000)) / 100
        data = {
            "memberId": self._member(rng).gid,
            "amount": self._money(amount),
            "orderId": f"o-{rng.getrandbits(40):010x}",
        }
        return self._partner_call("earnPoints", self._partner(rng), data)

    def _draw_burnPoints(self, rng: random.Random) -> Call:
        data = {"memberId": self._member(rng).gid, "points": rng.randint(1, 60)}
        return self._partner_call("burnPoints", self._partner(rng), data)

    def _draw_authorizeBurn(self, rng: random.Random) -> Call:
        short = rng.random() < self.options.short_hold_share
        data = {
            "memberId": self._member(rng).gid,
            "points": rng.randint(1, 60),
            "ttlSeconds": rng.randint(1, 4) if short else 600,
        }
        return self._partner_call("authorizeBurn", self._partner(rng), data)

    def _draw_captureBurn(self, rng: random.Random) -> Call | None:
        if not self.shared.holds:
            return None
        hold_id, partner = rng.choice(self.shared.holds)
        data: dict[str, Any] = {"holdId": _gid("Hold", hold_id)}
        if rng.random() < 0.3:
            data["points"] = rng.randint(1, 20)  # may exceed the hold: refused
        return self._partner_call("captureBurn", partner, data)

    def _draw_voidBurn(self, rng: random.Random) -> Call | None:
        if not self.shared.holds:
            return None
        hold_id, partner = rng.choice(self.shared.holds)
        return self._partner_call("voidBurn", partner, {"holdId": _gid("Hold", hold_id)})

    def _draw_reverseEarn(self, rng: random.Random) -> Call | None:
        if not self.shared.earns:
            return None
        entry_id, partner, amount = rng.choice(self.shared.earns)
        data: dict[str, Any] = {"transactionId": _gid("Transaction", entry_id)}
        if rng.random() < 0.6:
            data["amount"] = self._money(max(Decimal("0.01"), amount * rng.randint(1, 60) / 100))
        return self._partner_call("reverseEarn", partner, data)

    def _draw_refundBurn(self, rng: random.Random) -> Call | None:
        if not self.shared.burns:
            return None
        entry_id, partner, points = rng.choice(self.shared.burns)
        data: dict[str, Any] = {"transactionId": _gid("Transaction", entry_id)}
        if rng.random() < 0.6:
            data["points"] = rng.randint(1, max(1, points))
        return self._partner_call("refundBurn", partner, data)

    def _draw_transferPoints(self, rng: random.Random) -> Call:
        sender, receiver = rng.sample(self.coalition.members, 2)
        key = self._key("transferPoints")
        data = {"toMemberId": receiver.gid, "points": rng.randint(1, 40), "idempotencyKey": key}
        return Call("transferPoints", f"member:{sender.id}", sender.token, key, data)

    # --- sending ------------------------------------------------------------------------

    async def send(self, client: httpx.AsyncClient, call: Call) -> Ack | None:
        """Send until acknowledged (the same key and input every time), or give up."""
        deadline = time.monotonic() + RETRY_DEADLINE
        sent = 0
        pause = 0.05
        while time.monotonic() < deadline:
            sent += 1
            answer = await self._request(client, call)
            if isinstance(answer, Ack):
                return dataclasses.replace(answer, sent=sent)
            await asyncio.sleep(answer if answer is not None else pause)
            pause = min(1.0, pause * 2)
        self.report.unacknowledged.append(call)
        return None

    async def _request(self, client: httpx.AsyncClient, call: Call) -> Ack | float | None:
        """The answer, or how long to wait before sending again (None: back off)."""
        self.report.requests += 1
        headers = {"Authorization": f"Bearer {call.bearer}"}
        try:
            response = await client.post(self.url, json=call.body(), headers=headers)
        except httpx.TransportError:
            self.report.transport_errors += 1
            return None
        if response.status_code in (429, 503):  # RATE_LIMITED, SERVICE_UNAVAILABLE
            moments = (
                self.report.unavailable if response.status_code == 503 else self.report.limited
            )
            moments.append(time.time())
            return float(response.headers.get("retry-after", "1"))
        try:
            body = response.json()
        except ValueError:
            body = {}
        if response.status_code != 200 or not isinstance(body.get("data"), dict):
            self.report.unexpected.append(
                f"{call.operation} {call.key}: HTTP {response.status_code} {response.text[:300]}"
            )
            return None
        return self._read(call, body)

    def _read(self, call: Call, body: dict[str, Any]) -> Ack | None:
        codes = [e.get("extensions", {}).get("code") for e in body.get("errors") or []]
        payload = body["data"].get(call.operation)
        if codes or payload is None:
            self.report.unexpected.append(f"{call.operation} {call.key}: errors {body}")
            return None
        errors = payload["userErrors"]
        if errors:
            return Ack(call, errors[0]["code"], None, None, None, 0, time.time())
        transaction, hold = payload.get("transaction"), payload.get("hold")
        points = (transaction or hold or {}).get("points")
        return Ack(call, None, _id(transaction), _id(hold), points, 0, time.time())

    # --- remembering --------------------------------------------------------------------

    def remember(self, ack: Ack) -> None:
        self.report.acks.append(ack)
        if not ack.ok:
            return
        call, partner = ack.call, self._partner_index(ack.call)
        if call.operation == "authorizeBurn" and ack.hold_id is not None:
            self.shared.holds.append((ack.hold_id, partner))
        elif call.operation == "earnPoints" and ack.transaction_id is not None:
            amount = Decimal(call.input["amount"]["amount"])
            self.shared.earns.append((ack.transaction_id, partner, amount))
        elif call.operation in ("burnPoints", "captureBurn") and ack.transaction_id is not None:
            self.shared.burns.append((ack.transaction_id, partner, ack.points or 1))
        if call.operation in ("captureBurn", "voidBurn") and ack.hold_id is not None:
            self.shared.holds = [h for h in self.shared.holds if h[0] != ack.hold_id]

    def _partner_index(self, call: Call) -> int:
        for index, partner in enumerate(self.coalition.partners):
            if call.caller == f"partner:{partner.id}":
                return index
        return -1

    # --- the clients ----------------------------------------------------------------------

    async def _once(self, client: httpx.AsyncClient, call: Call) -> Ack | None:
        ack = await self.send(client, call)
        if ack is not None:
            self.remember(ack)
        return ack

    async def _client(self, index: int, client: httpx.AsyncClient) -> None:
        rng = random.Random(f"{self.options.seed}:{index}")
        while next(self._issued) < self.options.operations:
            call = self.draw(rng)
            self.report.calls += 1
            again = rng.random() < self.options.retry_share
            if again and rng.random() < 0.5:  # both in flight at once
                self.report.replays += 1
                await asyncio.gather(self._once(client, call), self._once(client, call))
            else:
                await self._once(client, call)
                if again:
                    self.report.replays += 1
                    await self._once(client, call)
            self.completed += 1
            if self.progress is not None:
                self.progress(self.completed)

    async def run(self) -> Report:
        started = time.monotonic()
        limits = httpx.Limits(max_connections=self.options.clients * 2)
        timeout = httpx.Timeout(self.options.timeout, connect=5.0)
        async with httpx.AsyncClient(timeout=timeout, limits=limits) as client:
            await asyncio.gather(*(self._client(i, client) for i in range(self.options.clients)))
        self.report.elapsed = time.monotonic() - started
        self.finished = True
        return self.report
