"""Points expiry (breakage): due points leave members' lots for the operator's breakage
account, one chunk of members per transaction (``ledger_expire``, migration 0008).

The policy is program config (contract section 6). Whatever it says, expiry never takes the
points an authorized hold reserves (rule 5), skips closed members (nothing moves for them),
and is idempotent by construction: a run finds what is due and empties it, so running again
for the same ``as_of`` expires nothing more. A run that stops half-way (a crash, Ctrl-C)
leaves whole chunks; running again expires the rest.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Literal

from exchange.kit import clock
from exchange.kit.db import Conn, Pool, connection, transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.settings import Settings
from exchange.ledger import idempotency
from exchange.ledger.expiry_warnings import warn_expiring

CHUNK = 1000
DAILY = timedelta(days=1)
logger = logging.getLogger("exchange.expiry")
"""Members locked and expired per transaction."""
OPERATION = "runExpiry"

ExpiryRule = Literal["lot_validity", "inactivity", "none"]


@dataclass(frozen=True)
class ExpiryPolicy:
    rule: ExpiryRule = "lot_validity"
    """``lot_validity``: each lot at its own expiry (its issuer's validity when earned);
    ``inactivity``: that, and all of a member's points after ``inactivity`` without an earn
    or a burn; ``none``: nothing expires."""
    inactivity: timedelta = timedelta(days=365)

    @classmethod
    def from_settings(cls, settings: Settings) -> ExpiryPolicy:
        return cls(settings.expiry_policy, timedelta(days=settings.expiry_inactivity_days))

    def inactive_before(self, as_of: datetime) -> datetime | None:
        """A member with no earn or burn after this instant is inactive (None: no such rule)."""
        return as_of - self.inactivity if self.rule == "inactivity" else None


@dataclass(frozen=True)
class ExpiryRun:
    """What a run (or one chunk of it) expired."""

    as_of: datetime
    members: int = 0
    """Members who lost points (each got one EXPIRY entry)."""
    points: int = 0
    entries: int = 0
    events: int = 0
    """``points.expired`` events: one per member and issuing partner."""

    def plus(self, chunk: ExpiryRun) -> ExpiryRun:
        return replace(
            self,
            members=self.members + chunk.members,
            points=self.points + chunk.points,
            entries=self.entries + chunk.entries,
            events=self.events + chunk.events,
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "as_of": self.as_of.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ExpiryRun:
        return cls(**{**data, "as_of": datetime.fromisoformat(data["as_of"])})


@dataclass(frozen=True)
class Progress:
    checked: int
    """Members looked at so far (locked, and expired unless a hold or a close kept them)."""
    due: int
    """Members with points due when the run started (at least ``checked``)."""
    run: ExpiryRun


ProgressHook = Callable[[Progress], None]


def check_as_of(as_of: datetime, now: datetime) -> datetime:
    """Expiry looks at what is due by ``as_of``: never a time still to come."""
    if as_of.tzinfo is None:
        raise InvalidInput("asOf must carry a UTC offset", field=["asOf"])
    if as_of > now:
        raise InvalidInput(
            f"asOf {as_of.isoformat()} is in the future; points expire only once due",
            field=["asOf"],
        )
    return as_of


async def due_members(
    conn: Conn, *, as_of: datetime, policy: ExpiryPolicy, after: int = 0, limit: int | None
) -> list[int]:
    """Active members after ``after`` with points due at ``as_of``, in id order."""
    if policy.rule == "none":
        return []
    cur = await conn.execute(
        "SELECT member_id FROM ledger_expiry_due(%s, %s, %s, %s) AS member_id",
        (after, limit, as_of, policy.inactive_before(as_of)),
    )
    return [int(row["member_id"]) for row in await cur.fetchall()]


async def count_due(conn: Conn, *, as_of: datetime, policy: ExpiryPolicy) -> int:
    if policy.rule == "none":
        return 0
    cur = await conn.execute(
        "SELECT count(*) AS n FROM ledger_expiry_due(0, NULL, %s, %s)",
        (as_of, policy.inactive_before(as_of)),
    )
    row = await cur.fetchone()
    assert row is not None
    return int(row["n"])


async def expire_members(
    conn: Conn,
    member_ids: Sequence[int],
    *,
    as_of: datetime,
    policy: ExpiryPolicy,
    now: datetime,
) -> ExpiryRun:
    """Expire what is due of these members, in the caller's transaction (one statement)."""
    if policy.rule == "none" or not member_ids:
        return ExpiryRun(as_of=as_of)
    cur = await conn.execute(
        "SELECT ledger_expire(%s, %s, %s, %s) AS run",
        (list(member_ids), as_of, policy.inactive_before(as_of), now),
    )
    row = await cur.fetchone()
    assert row is not None
    return ExpiryRun(as_of=as_of, **row["run"])


async def run_expiry(
    pool: Pool,
    *,
    as_of: datetime,
    policy: ExpiryPolicy,
    now: Callable[[], datetime] = clock.now,
    chunk: int = CHUNK,
    progress: ProgressHook | None = None,
) -> ExpiryRun:
    """Expire everything due at ``as_of``, ``chunk`` members per transaction, in id order.

    ``now`` is read per chunk: it is each entry's posting time and decides which holds ran
    out (released first) and which lots a capture can take."""
    run = ExpiryRun(as_of=check_as_of(as_of, now()))
    async with connection(pool) as conn:
        due = await count_due(conn, as_of=as_of, policy=policy)
    checked = after = 0
    while True:
        async with transaction(pool) as conn:
            ids = await due_members(conn, as_of=as_of, policy=policy, after=after, limit=chunk)
            if not ids:
                return run
            done = await expire_members(conn, ids, as_of=as_of, policy=policy, now=now())
        run = run.plus(done)
        checked, after = checked + len(ids), ids[-1]
        if progress is not None:
            progress(Progress(checked=checked, due=max(due, checked), run=run))


async def run_expiry_once(
    pool: Pool,
    *,
    caller: str,
    key: str,
    request: dict[str, Any],
    as_of: datetime,
    policy: ExpiryPolicy,
    now: Callable[[], datetime] = clock.now,
) -> ExpiryRun:
    """``run_expiry`` under an idempotency key: the same key and input answer what the first
    run expired. A run spans many transactions, so the key is recorded when it ends; a
    duplicate running meanwhile expires nothing more (expiry is idempotent by construction)."""
    check_as_of(as_of, now())
    async with transaction(pool) as conn:
        done = await idempotency.recall(
            conn, caller=caller, key=key, operation=OPERATION, request=request
        )
    if done is not None:
        return ExpiryRun.from_json(done)
    run = await run_expiry(pool, as_of=as_of, policy=policy, now=now)
    async with transaction(pool) as conn:
        stored = await idempotency.remember_first(
            conn,
            caller=caller,
            key=key,
            operation=OPERATION,
            request=request,
            response=run.as_json(),
        )
    return ExpiryRun.from_json(stored)


async def expire_daily(
    pool: Pool,
    policy: ExpiryPolicy,
    stop: asyncio.Event,
    *,
    every: timedelta = DAILY,
    warning_days: int = 0,
) -> None:
    """Expire what is due now, then every ``every`` until ``stop`` (``exchange worker``), and
    after each run warn of what expires within ``warning_days`` (``points.expiring``). A
    failed run is logged and tried again at the next one; several workers may run it at
    once: members are locked, and a second run finds nothing more to expire and no warning
    left to send."""
    while not stop.is_set():
        try:
            run = await run_expiry(pool, as_of=clock.now(), policy=policy)
            logger.info("expiry: %d points of %d members", run.points, run.members)
            if policy.rule != "none" and warning_days > 0:
                warned = await warn_expiring(pool, as_of=clock.now(), days=warning_days)
                logger.info("expiry warnings: %d points.expiring events", warned.warnings)
        except Exception:
            logger.exception("expiry failed; trying again at the next run")
        try:
            await asyncio.wait_for(stop.wait(), every.total_seconds())
        except TimeoutError:
            continue
