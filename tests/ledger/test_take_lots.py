"""Worked examples for ``ledger_take_lots``, the SQL that picks the lots a burn or a capture
takes points from: earliest expiry first, never pending lots, and expired lots only for a
capture (after every spendable one). Lots are written directly, inside a transaction that
is rolled back, so each example spells out exactly which lots the member has and leaves
nothing behind for the ledger audit of other tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.fixture
async def conn(pool):  # type: ignore[no-untyped-def]
    async with pool.connection() as connection, connection.transaction(force_rollback=True):
        yield connection


async def lots_of(conn, member: int, lots: dict[str, dict]) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Write the lots (label -> remaining, expires_in, available_in); return id -> label."""
    labels: dict[int, str] = {}
    cur = await conn.execute(
        "INSERT INTO journal_entries (kind, member_id, points, reason, occurred_at)"
        " VALUES ('EARN', %s, 0, 'test lots', %s) RETURNING id",
        (member, NOW),
    )
    entry = (await cur.fetchone())["id"]
    for label, spec in lots.items():
        expires_in = spec.get("expires_in")
        cur = await conn.execute(
            "INSERT INTO lots (member_id, entry_id, points, remaining, earned_at,"
            " available_at, expires_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                member,
                entry,
                max(spec["remaining"], 1),
                spec["remaining"],
                NOW - 30 * DAY,
                NOW + spec.get("available_in", -DAY),
                None if expires_in is None else NOW + expires_in,
            ),
        )
        labels[(await cur.fetchone())["id"]] = label
    return labels


async def take(conn, member: int, labels: dict[int, str], points: int, *, capture: bool):  # type: ignore[no-untyped-def]
    cur = await conn.execute(
        "SELECT lot_id, take FROM ledger_take_lots(%s, %s, %s, %s)",
        (member, points, NOW, capture),
    )
    return [(labels[row["lot_id"]], row["take"]) for row in await cur.fetchall()]


async def test_burn_takes_earliest_expiry_first_and_never_expiring_last(conn, make_member):
    member = await make_member()
    labels = await lots_of(
        conn,
        member,
        {
            "never": {"remaining": 50},
            "90d": {"remaining": 30, "expires_in": 90 * DAY},
            "10d": {"remaining": 20, "expires_in": 10 * DAY},
            "30d": {"remaining": 40, "expires_in": 30 * DAY},
        },
    )
    assert await take(conn, member, labels, 75, capture=False) == [
        ("10d", 20),
        ("30d", 40),
        ("90d", 15),
    ]
    assert await take(conn, member, labels, 140, capture=False) == [
        ("10d", 20),
        ("30d", 40),
        ("90d", 30),
        ("never", 50),
    ]


async def test_burn_breaks_expiry_ties_by_lot_id(conn, make_member):
    member = await make_member()
    labels = await lots_of(
        conn,
        member,
        {
            "first": {"remaining": 10, "expires_in": 5 * DAY},
            "second": {"remaining": 10, "expires_in": 5 * DAY},
            "never": {"remaining": 10},
        },
    )
    assert await take(conn, member, labels, 15, capture=False) == [("first", 10), ("second", 5)]


async def test_burn_never_takes_expired_pending_or_empty_lots(conn, make_member):
    member = await make_member()
    labels = await lots_of(
        conn,
        member,
        {
            "expired": {"remaining": 100, "expires_in": -timedelta(seconds=1)},
            "pending": {"remaining": 100, "available_in": timedelta(hours=1), "expires_in": DAY},
            "empty": {"remaining": 0, "expires_in": DAY},
            "60d": {"remaining": 30, "expires_in": 60 * DAY},
        },
    )
    assert await take(conn, member, labels, 30, capture=False) == [("60d", 30)]
    # asking for more than is spendable returns only what is: the burn refuses before this
    assert await take(conn, member, labels, 50, capture=False) == [("60d", 30)]


async def test_lot_expiring_exactly_now_is_not_spendable(conn, make_member):
    member = await make_member()
    labels = await lots_of(conn, member, {"edge": {"remaining": 10, "expires_in": timedelta(0)}})
    assert await take(conn, member, labels, 10, capture=False) == []
    assert await take(conn, member, labels, 10, capture=True) == [("edge", 10)]


async def test_capture_uses_spendable_first_then_lots_that_expired_under_the_hold(
    conn, make_member
):
    member = await make_member()
    labels = await lots_of(
        conn,
        member,
        {
            "expired 2d ago": {"remaining": 30, "expires_in": -2 * DAY},
            "expired 1d ago": {"remaining": 20, "expires_in": -DAY},
            "5d": {"remaining": 25, "expires_in": 5 * DAY},
            "never": {"remaining": 10},
        },
    )
    assert await take(conn, member, labels, 30, capture=True) == [("5d", 25), ("never", 5)]
    assert await take(conn, member, labels, 60, capture=True) == [
        ("5d", 25),
        ("never", 10),
        ("expired 2d ago", 25),
    ]
    assert await take(conn, member, labels, 85, capture=True) == [
        ("5d", 25),
        ("never", 10),
        ("expired 2d ago", 30),
        ("expired 1d ago", 20),
    ]


async def test_capture_never_takes_pending_lots(conn, make_member):
    member = await make_member()
    labels = await lots_of(
        conn,
        member,
        {
            "pending": {"remaining": 50, "available_in": DAY},
            "expired": {"remaining": 10, "expires_in": -DAY},
        },
    )
    assert await take(conn, member, labels, 40, capture=True) == [("expired", 10)]
