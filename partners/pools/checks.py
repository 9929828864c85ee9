"""Pools as values: a pool's name, a member's role and limits, and whether a spend fits the
spender's limits. Pure: plain values in and out."""

from __future__ import annotations

from dataclasses import dataclass

from exchange.kit.errors import InvalidInput
from partners.pools.errors import PoolLimitExceeded, PoolSpendingNotAllowed

ROLES = ("OWNER", "SPENDER", "CONTRIBUTOR")
MAX_NAME = 80
MAX_LIMIT = 10_000_000


def name(value: str) -> str:
    text = value.strip()
    if not (0 < len(text) <= MAX_NAME and text.isprintable()):
        raise InvalidInput(f"name must be 1 to {MAX_NAME} printable characters", field=["name"])
    return text


@dataclass(frozen=True)
class Membership:
    """A member's place in a pool: its role and, for a SPENDER, its limits (None: none)."""

    role: str
    daily_limit: int | None = None
    monthly_limit: int | None = None


def membership(role: str, daily_limit: int | None, monthly_limit: int | None) -> Membership:
    """A role the owner may give (not OWNER: a pool has one), with limits for a SPENDER only."""
    if role not in ("SPENDER", "CONTRIBUTOR"):
        raise InvalidInput("role must be SPENDER or CONTRIBUTOR", field=["role"])
    for field, limit in (("dailyLimit", daily_limit), ("monthlyLimit", monthly_limit)):
        if limit is None:
            continue
        if role != "SPENDER":
            raise InvalidInput("only a SPENDER has spending limits", field=[field])
        if not 0 < limit <= MAX_LIMIT:
            raise InvalidInput(f"{field} must be between 1 and {MAX_LIMIT:,}", field=[field])
    return Membership(role, daily_limit, monthly_limit)


@dataclass(frozen=True)
class Spent:
    """What the spender spent from the pool so far in the current UTC day and month."""

    today: int
    this_month: int


def spendable(place: Membership, spent: Spent) -> int | None:
    """The most the member may still spend from the pool now by its limits (None: no limit;
    the pool's balance limits it anyway)."""
    if place.role == "CONTRIBUTOR":
        return 0
    windows = ((place.daily_limit, spent.today), (place.monthly_limit, spent.this_month))
    left = [limit - used for limit, used in windows if limit is not None]
    return max(0, min(left)) if left else None


def check_spend(place: Membership, spent: Spent, points: int) -> None:
    """Refuse a spend the member's role or limits do not allow (the message names the limit)."""
    if place.role == "CONTRIBUTOR":
        raise PoolSpendingNotAllowed(
            "this member contributes to the pool but may not spend from it", field=["memberId"]
        )
    for limit, used, per in (
        (place.daily_limit, spent.today, "a day"),
        (place.monthly_limit, spent.this_month, "a month"),
    ):
        if limit is not None and used + points > limit:
            raise PoolLimitExceeded(
                f"at most {limit} points {per} from this pool for this member:"
                f" {max(0, limit - used)} left, {points} asked",
                field=["points"],
            )
