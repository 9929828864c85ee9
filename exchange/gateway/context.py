"""What every resolver gets: the pool, the settings, the caller, and per-request loaders."""

from __future__ import annotations

from functools import cached_property

import strawberry

from exchange.kit.db import Pool
from exchange.kit.replica import ReadRouter
from exchange.kit.settings import Settings
from partners.keycache import KeyCache

from .auth import Principal
from .dataloaders import Loaders
from .middleware import RequestFacts
from .rate_limit import Limits, RateLimiter


class Context:
    def __init__(
        self,
        *,
        pool: Pool,
        settings: Settings,
        principal: Principal,
        request_id: str,
        facts: RequestFacts | None = None,
        router: ReadRouter | None = None,
        claimed_lsn: int | None = None,
        limiter: RateLimiter | None = None,
    ) -> None:
        self.pool = pool
        self.read_pool = pool
        """Where balance and history reads go: the replica when the read routing extension
        finds it has replayed this caller's writes (README "Read replica"), else ``pool``."""
        self.router = router
        self.claimed_lsn = claimed_lsn
        """The write position the caller sent back (``Exchange-Read-After``)."""
        self.written_lsn: int | None = None
        """After a mutation with a replica: the position to send back."""
        self.settings = settings
        self.principal = principal
        self.request_id = request_id
        self.facts = facts or RequestFacts(request_id)
        self.limiter = limiter

    @cached_property
    def loaders(self) -> Loaders:
        return Loaders(self.read_pool, self.principal)

    def forget_reads(self) -> None:
        """After a change, later fields of the same operation read afresh."""
        self.__dict__.pop("loaders", None)


class Resources:
    """What the app holds across requests; the pool is set when the lifespan opens it."""

    def __init__(self, settings: Settings, pool: Pool | None = None) -> None:
        self.settings = settings
        self._pool = pool
        self.keys = KeyCache()
        self.router: ReadRouter | None = None
        """Set by the lifespan when EXCHANGE_READ_REPLICA_URL is."""
        self.limiter = RateLimiter(
            Limits(per_second=settings.rate_limit_per_second, burst=settings.rate_limit_burst)
        )

    @property
    def pool(self) -> Pool:
        if self._pool is None:
            raise RuntimeError("the database pool is not open (lifespan not started)")
        return self._pool

    @pool.setter
    def pool(self, pool: Pool | None) -> None:
        self._pool = pool


Info = strawberry.Info[Context, None]
