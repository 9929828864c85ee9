"""Key owners remembered per process, so most requests skip the key lookup.

Safe only while this process hears about key changes: the gateway LISTENs on
``partners.keys.KEY_CHANGES`` (a revocation NOTIFYs it at commit) and sets ``listening``;
while it is not listening nothing is cached and every request looks its key up. Every
notification clears the cache and starts a new generation: a lookup that began before it is
not remembered. A key that stops working on its own (expiry, a revocation set for later) is
dropped at that instant, and every entry at the latest after ``ttl_seconds``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field
from datetime import datetime

from exchange.kit.db import Conn
from partners.keys import KeyOwner, authenticate, hash_key

MAX_ENTRIES = 10_000
ConnFactory = Callable[[], AbstractAsyncContextManager[Conn]]


@dataclass
class KeyCache:
    ttl_seconds: float = 60.0
    listening: bool = False
    generation: int = 0
    _owners: dict[str, tuple[KeyOwner, float]] = field(default_factory=dict)

    def invalidate(self) -> None:
        self.generation += 1
        self._owners.clear()

    def _cached(self, key_hash: str, now: datetime) -> KeyOwner | None:
        entry = self._owners.get(key_hash)
        if entry is None:
            return None
        owner, cached_at = entry
        lapsed = owner.valid_until is not None and owner.valid_until <= now
        if lapsed or time.monotonic() - cached_at > self.ttl_seconds:
            del self._owners[key_hash]
            return None
        return owner

    async def owner(self, connect: ConnFactory, secret: str, *, now: datetime) -> KeyOwner | None:
        """The live key's owner: from memory when that is safe, else from the database."""
        key_hash = hash_key(secret)
        if self.listening and (owner := self._cached(key_hash, now)) is not None:
            return owner
        generation, listening = self.generation, self.listening
        async with connect() as conn:
            owner = await authenticate(conn, secret, now=now)
        if owner is not None and listening and self.listening and generation == self.generation:
            if len(self._owners) >= MAX_ENTRIES:
                self._owners.clear()
            self._owners[key_hash] = (owner, time.monotonic())
        return owner
