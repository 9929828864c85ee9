"""Creating a pool and managing who belongs to it (its owner only), and reading a member's
pools. A pool is found only by its members: to anyone else it does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency, pool_accounts, queries
from exchange.ledger.locking import lock_active_member
from partners.periods import period_bounds
from partners.pools import checks
from partners.pools import repository as repo
from partners.pools.checks import Membership, Spent
from partners.pools.errors import PoolNotFound, PoolOwnerOnly
from partners.pools.repository import Pool

CREATE = "createPool"


async def create(conn: Conn, *, owner_id: int, name: str, key: str, now: datetime) -> Pool:
    """A new pool owned by the member (with the same key and name: the pool it made)."""
    cleaned = checks.name(name)
    caller = f"member:{owner_id}"
    done = await idempotency.claim(
        conn, caller=caller, key=key, operation=CREATE, request={"name": cleaned}
    )
    if done is not None:
        found = await repo.pool(conn, int(done["pool_id"]))
        assert found is not None
        return found
    await lock_active_member(conn, owner_id, None)  # a closed member opens nothing
    account = await pool_accounts.open_account(conn, now=now)
    made = await repo.insert_pool(
        conn, account_id=account, name=cleaned, owner_id=owner_id, now=now
    )
    await idempotency.store(conn, caller=caller, key=key, response={"pool_id": made.id})
    return made


async def member_pool(conn: Conn, pool_id: int, member_id: int) -> tuple[Pool, Membership]:
    """The pool and the member's place in it; a pool the member is not in is not found."""
    found = await repo.pool(conn, pool_id)
    place = None if found is None else await repo.membership(conn, pool_id, member_id)
    if found is None or place is None:
        raise PoolNotFound("no pool with this id", field=["poolId"])
    return found, place


async def owned_pool(conn: Conn, pool_id: int, member_id: int) -> Pool:
    found, place = await member_pool(conn, pool_id, member_id)
    if place.role != "OWNER":
        raise PoolOwnerOnly("only the pool's owner manages its members", field=["poolId"])
    return found


async def set_member(
    conn: Conn,
    *,
    pool_id: int,
    owner_id: int,
    member_id: int,
    place: Membership,
    now: datetime,
) -> Pool:
    """Add a member to the pool, or change its role and limits (the owner's own stays)."""
    found = await owned_pool(conn, pool_id, owner_id)
    if member_id == owner_id:
        raise InvalidInput("the owner's own place does not change", field=["memberId"])
    await lock_active_member(conn, member_id, None)  # exists and is not closed
    await repo.set_member(conn, pool_id, member_id, place, now)
    return found


async def remove_member(conn: Conn, *, pool_id: int, owner_id: int, member_id: int) -> Pool:
    found = await owned_pool(conn, pool_id, owner_id)
    if member_id == owner_id:
        raise InvalidInput("the owner cannot leave its own pool", field=["memberId"])
    if not await repo.remove_member(conn, pool_id, member_id):
        raise PoolNotFound("this member does not belong to the pool", field=["memberId"])
    return found


def this_month(now: datetime) -> tuple[datetime, datetime]:
    """The starts of the UTC day and calendar month of ``now``: what limits count from."""
    day, _ = period_bounds("DAY", now)
    month, _ = period_bounds("MONTH", now)
    assert day is not None and month is not None
    return day, month


@dataclass(frozen=True)
class Standing:
    """A member's place in a pool, with the pool's balances and what the member spent."""

    pool: Pool
    membership: Membership
    balance: int
    available: int
    spent: Spent

    @property
    def spendable(self) -> int:
        """What the member may spend from the pool now: its limits and the pool's points."""
        left = checks.spendable(self.membership, self.spent)
        return self.available if left is None else min(left, self.available)


async def standings(conn: Conn, member_id: int, *, now: datetime) -> list[Standing]:
    """The member's pools, the oldest first."""
    places = await repo.places_of(conn, member_id)
    if not places:
        return []
    summaries = await queries.member_summaries(
        conn, [pool.account_id for pool, _ in places], partner_id=None, now=now
    )
    day, month = this_month(now)
    found = []
    for pool, place in places:
        summary = summaries[pool.account_id]
        spent = await repo.spent(conn, pool.id, member_id, day=day, month=month)
        found.append(Standing(pool, place, summary.balance, summary.available, spent))
    return found
