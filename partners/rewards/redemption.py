"""The unit of stock a redemption takes, in the burn's own transaction, and the unit a
refund of the whole burn gives back.

Locks: the burn locks the member first, then the reward's row here, as the refund does; a
partner's change to a reward locks the reward only. So concurrent redemptions of the last
units queue on the reward's row and never take more than the stock."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from partners.rewards.checks import Reward
from partners.rewards.errors import RewardNotAvailable, RewardOutOfStock


async def take(conn: Conn, reward: Reward, *, entry_id: int, member_id: int, at: datetime) -> None:
    """Record that the burn ``entry_id`` redeemed the reward and take one unit. A burn that
    already did (an idempotent replay of it) takes nothing more."""
    cur = await conn.execute(
        "INSERT INTO reward_redemptions (entry_id, reward_id, member_id, points, redeemed_at)"
        " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (entry_id) DO NOTHING RETURNING entry_id",
        (entry_id, reward.id, member_id, reward.points, at),
    )
    if await cur.fetchone() is None or reward.stock is None:
        return  # no stock to keep: no lock on the reward either
    cur = await conn.execute(
        "UPDATE rewards SET stock = stock - 1 WHERE id = %s AND (stock IS NULL OR stock > 0)"
        " RETURNING status",
        (reward.id,),
    )
    row = await cur.fetchone()
    if row is None:
        raise RewardOutOfStock("no unit of this reward is left", field=["rewardId"])
    if row["status"] != "ACTIVE":
        raise RewardNotAvailable("this reward is retired", field=["rewardId"])


async def give_back(conn: Conn, burn_entry_id: int, *, at: datetime) -> bool:
    """After a refund of the burn ``burn_entry_id`` (in the same transaction): once all of a
    reward's burn is refunded, its unit goes back to the stock, once. True if it did."""
    cur = await conn.execute(
        "UPDATE reward_redemptions r SET stock_returned_at = %s WHERE r.entry_id = %s"
        " AND r.stock_returned_at IS NULL AND r.points <= (SELECT coalesce(sum(points), 0)"
        "   FROM journal_entries WHERE original_entry_id = r.entry_id AND kind = 'BURN_REFUND')"
        " RETURNING r.reward_id",
        (at, burn_entry_id),
    )
    row = await cur.fetchone()
    if row is None:
        return False
    await conn.execute(
        "UPDATE rewards SET stock = stock + 1 WHERE id = %s AND stock IS NOT NULL",
        (row["reward_id"],),
    )
    return True
