"""Rate limits, counted in the database (so every gateway process shares them) over sliding
windows: on one-time codes for logging in, per identifier and per network address, and for
linking a card, per member, per card and per address; on transfers refused for their
recipient, per sending member.

Buckets are named by scope: ``id:<keyed hash of the email or phone>``, ``ip:<keyed hash of
the address>``, ``member:<id>``, ``card:<keyed hash of the number>``; an identifier or a card
that belongs to no member is limited like any other. Callers of a bucket take turns (a
transaction-scoped advisory lock), so concurrent requests cannot all slip under a limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn
from exchange.portal.errors import RateLimited
from exchange.portal.hashing import keyed_hash


@dataclass(frozen=True)
class Limit:
    action: str
    """``CODE_SENT`` or ``CODE_REJECTED`` (login), ``CARD_CODE_SENT`` or
    ``CARD_CODE_REJECTED`` (linking a card), ``TRANSFER_REFUSED`` (no such recipient)."""
    scope: str
    """``id``, ``ip``, ``member`` or ``card``."""
    most: int
    window: timedelta


LIMITS = (
    Limit("CODE_SENT", "id", 5, timedelta(minutes=15)),
    Limit("CODE_SENT", "ip", 20, timedelta(hours=1)),
    Limit("CODE_REJECTED", "id", 10, timedelta(hours=1)),
    Limit("CODE_REJECTED", "ip", 30, timedelta(hours=1)),
    Limit("CARD_CODE_SENT", "member", 5, timedelta(hours=1)),
    # the holder of a card is not sent more than this, whoever asks
    Limit("CARD_CODE_SENT", "card", 3, timedelta(hours=1)),
    Limit("CARD_CODE_SENT", "ip", 20, timedelta(hours=1)),
    Limit("CARD_CODE_REJECTED", "member", 10, timedelta(hours=1)),
    Limit("CARD_CODE_REJECTED", "ip", 30, timedelta(hours=1)),
    # guessing recipients: each refusal could tell whether an email is a member's
    Limit("TRANSFER_REFUSED", "member", 5, timedelta(hours=1)),
)
KEEP = max(limit.window for limit in LIMITS)
"""How long attempts are kept: the longest window."""


@dataclass(frozen=True)
class Buckets:
    by_scope: tuple[tuple[str, str], ...]
    """(scope, bucket) pairs."""

    @classmethod
    def of(cls, key: bytes, identifier: str, address: str) -> Buckets:
        """A login's: the identifier typed and the address it came from."""
        return cls(
            (
                ("id", "id:" + keyed_hash(key, "login-identifier", identifier)),
                ("ip", _address(key, address)),
            )
        )

    @classmethod
    def of_card_link(cls, key: bytes, member_id: int, card: str, address: str) -> Buckets:
        """Linking a card: the member asking, the card, and the address."""
        return cls(
            (
                *cls.of_member(member_id).by_scope,
                ("card", "card:" + keyed_hash(key, "card-number", card)),
                ("ip", _address(key, address)),
            )
        )

    @classmethod
    def of_member(cls, member_id: int) -> Buckets:
        """A member's own doings (the transfers it sends)."""
        return cls((("member", f"member:{member_id}"),))

    def of_scope(self, scope: str) -> str | None:
        return dict(self.by_scope).get(scope)


def _address(key: bytes, address: str) -> str:
    return "ip:" + keyed_hash(key, "login-address", address)


async def check(conn: Conn, action: str, buckets: Buckets, now: datetime) -> None:
    """Refuse with RATE_LIMITED when any limit on ``action`` is reached."""
    for limit in (limit for limit in LIMITS if limit.action == action):
        bucket = buckets.of_scope(limit.scope)
        if bucket is None:
            continue
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (bucket,))
        cur = await conn.execute(
            "SELECT count(*) AS n, min(at) AS oldest FROM login_attempts"
            " WHERE bucket = %s AND action = %s AND at > %s",
            (bucket, action, now - limit.window),
        )
        row = await cur.fetchone()
        assert row is not None
        if row["n"] >= limit.most:
            wait = row["oldest"] + limit.window - now
            raise RateLimited(
                "too many attempts; try again later",
                retry_after=max(1, int(wait.total_seconds()) + 1),
            )


async def record(conn: Conn, action: str, buckets: Buckets, now: datetime) -> None:
    """One attempt in each of the buckets."""
    await conn.execute(
        "INSERT INTO login_attempts (bucket, action, at)"
        " SELECT bucket, %s, %s FROM unnest(%s::text[]) AS bucket",
        (action, now, [bucket for _, bucket in buckets.by_scope]),
    )


async def purge(conn: Conn, now: datetime) -> int:
    """Forget attempts older than every window."""
    cur = await conn.execute("DELETE FROM login_attempts WHERE at < %s", (now - KEEP,))
    return cur.rowcount
