"""Rewards in the database (migration 0015): a partner creates, changes and retires its own;
anyone lists them."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.ledger import idempotency
from partners.rewards import checks
from partners.rewards.checks import Reward
from partners.rewards.errors import RewardNotFound

COLUMNS = (
    "id, partner_id, name, description, points, active_from, active_until, stock, status,"
    " created_at, updated_at, retired_at"
)
CHANGEABLE = ("name", "description", "points", "active_from", "active_until", "stock")


@dataclass(frozen=True)
class NewReward:
    name: str
    description: str | None
    points: int
    active_from: datetime
    active_until: datetime | None
    stock: int | None

    @classmethod
    def checked(
        cls,
        *,
        name: str,
        description: str | None,
        points: int,
        active_from: datetime,
        active_until: datetime | None,
        stock: int | None,
    ) -> NewReward:
        checks.window(active_from, active_until)
        return cls(
            name=checks.name(name),
            description=checks.description(description),
            points=checks.points(points),
            active_from=active_from,
            active_until=active_until,
            stock=checks.stock(stock),
        )

    def request(self, given_from: datetime | None) -> dict[str, Any]:
        """The input an idempotency key is bound to: the start as given (absent: "now",
        which differs at each try, stays absent)."""
        return {
            "name": self.name,
            "description": self.description,
            "points": self.points,
            "activeFrom": given_from,
            "activeUntil": self.active_until,
            "stock": self.stock,
        }


async def create(
    conn: Conn,
    new: NewReward,
    *,
    partner_id: int,
    caller: str,
    key: str,
    request: dict[str, Any],
    now: datetime,
) -> Reward:
    """The partner's new reward; the same key and input again returns it (nothing more)."""
    done = await idempotency.claim(
        conn, caller=caller, key=key, operation="createReward", request=request
    )
    if done is not None:
        return await get(conn, int(done["reward_id"]))
    cur = await conn.execute(
        "INSERT INTO rewards (partner_id, name, description, points, active_from, active_until,"
        " stock, created_at, updated_at) VALUES (%(partner_id)s, %(name)s, %(description)s,"
        " %(points)s, %(active_from)s, %(active_until)s, %(stock)s, %(now)s, %(now)s)"
        f" RETURNING {COLUMNS}",
        {**asdict(new), "partner_id": partner_id, "now": now},
    )
    created = Reward(**_row(await cur.fetchone()))
    await idempotency.store(conn, caller=caller, key=key, response={"reward_id": created.id})
    return created


def _row(row: dict[str, Any] | None) -> dict[str, Any]:
    if row is None:
        raise RewardNotFound("no reward with this id", field=["rewardId"])
    return row


async def get(conn: Conn, reward_id: int) -> Reward:
    cur = await conn.execute(f"SELECT {COLUMNS} FROM rewards WHERE id = %s", (reward_id,))
    return Reward(**_row(await cur.fetchone()))


async def get_own(conn: Conn, reward_id: int, partner_id: int) -> Reward:
    """The partner's reward (another's: not found)."""
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM rewards WHERE id = %s AND partner_id = %s", (reward_id, partner_id)
    )
    return Reward(**_row(await cur.fetchone()))


async def lock_own(conn: Conn, reward_id: int, partner_id: int) -> Reward:
    """The partner's reward, locked until the transaction ends (another's: not found)."""
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM rewards WHERE id = %s AND partner_id = %s FOR UPDATE",
        (reward_id, partner_id),
    )
    return Reward(**_row(await cur.fetchone()))


async def update(
    conn: Conn, reward_id: int, *, partner_id: int, changes: dict[str, Any], now: datetime
) -> Reward:
    """Change the given columns of the partner's reward (``stock``: the units left from now
    on). A retired reward stays retired."""
    assert set(changes) <= set(CHANGEABLE), changes
    found = await lock_own(conn, reward_id, partner_id)
    merged = {**asdict(found), **changes}
    checks.window(merged["active_from"], merged["active_until"])
    if not changes:
        return found
    assignments = ", ".join(f"{column} = %({column})s" for column in changes)
    cur = await conn.execute(
        f"UPDATE rewards SET {assignments}, updated_at = %(now)s WHERE id = %(id)s"
        f" RETURNING {COLUMNS}",
        {**changes, "now": now, "id": reward_id},
    )
    return Reward(**_row(await cur.fetchone()))


async def retire(conn: Conn, reward_id: int, *, partner_id: int, now: datetime) -> Reward:
    """No more redemptions; refunds of earlier ones still give their unit back. Retiring a
    retired reward changes nothing."""
    found = await lock_own(conn, reward_id, partner_id)
    if found.status == "RETIRED":
        return found
    cur = await conn.execute(
        "UPDATE rewards SET status = 'RETIRED', retired_at = %(now)s, updated_at = %(now)s"
        f" WHERE id = %(id)s RETURNING {COLUMNS}",
        {"now": now, "id": reward_id},
    )
    return Reward(**_row(await cur.fetchone()))


async def page(
    conn: Conn,
    *,
    partner_id: int | None,
    offered_only: bool,
    at: datetime,
    after_id: int | None,
    first: int,
) -> tuple[list[Reward], bool]:
    """Rewards in the order they were created, ``first`` of them after ``after_id``, and
    whether more follow. ``offered_only``: active ones within their window at ``at``."""
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM rewards WHERE (%(partner)s::bigint IS NULL"
        " OR partner_id = %(partner)s) AND id > coalesce(%(after)s::bigint, 0)"
        " AND (NOT %(offered)s OR (status = 'ACTIVE' AND active_from <= %(at)s"
        "   AND (active_until IS NULL OR active_until > %(at)s)))"
        " ORDER BY id LIMIT %(limit)s",
        {
            "partner": partner_id,
            "after": after_id,
            "offered": offered_only,
            "at": at,
            "limit": first + 1,
        },
    )
    rows = [Reward(**row) for row in await cur.fetchall()]
    return rows[:first], len(rows) > first
