"""What a ledger operation returns (and what an idempotent replay returns again)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from exchange.kit.db import Conn
from exchange.ledger import idempotency


@dataclass(frozen=True)
class Outcome:
    member_id: int
    points: int
    transaction_id: int | None = None
    hold_id: int | None = None
    debt: int = 0

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Outcome:
        return cls(**data)


@dataclass(frozen=True)
class Request:
    """Who asks, under which idempotency key, for what (the input that is hashed)."""

    caller: str
    idempotency_key: str
    operation: str
    body: dict[str, Any]

    def fingerprint(self) -> str:
        """The hash of the operation and its input, after checking the key's form."""
        idempotency.check_key(self.idempotency_key)
        return idempotency.request_hash(self.operation, self.body)

    async def replay(self, conn: Conn) -> Outcome | None:
        stored = await idempotency.claim(
            conn,
            caller=self.caller,
            key=self.idempotency_key,
            operation=self.operation,
            request=self.body,
        )
        return None if stored is None else Outcome.from_json(stored)

    async def remember(self, conn: Conn, outcome: Outcome) -> Outcome:
        await idempotency.store(
            conn, caller=self.caller, key=self.idempotency_key, response=outcome.as_json()
        )
        return outcome
