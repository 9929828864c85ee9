"""The scheduled tier review (``exchange tiers review``, and daily in ``exchange worker``):
the only place tiers go down.

Set-based, a chunk of due members per transaction, locked in id order as every movement of
their points locks them (so an earn's upgrade and a review never cross): the members whose
earned tier came up for review (``review_at`` at or before ``as_of``) and those whose paid
tier shown ends by then. Their qualifying points as of ``as_of`` (counting what was posted by
then) are read in one statement, each is decided by ``reviews.review`` (grace included), the
tier rows are written in one statement and the changes announced as ``member.tier_changed``
events (reason ``REVIEW``, or ``MEMBERSHIP_ENDED`` when a paid tier's end lowers the tier
that applies). Running again for the same ``as_of`` changes nothing more.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from exchange.kit import clock
from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from partners.tiers import repository as repo
from partners.tiers import reviews
from partners.tiers.ladders import Ladder
from partners.tiers.reviews import Decision, Outcome

CHUNK = 1000
DAILY = timedelta(days=1)
logger = logging.getLogger("exchange.tiers")


@dataclass(frozen=True)
class ReviewRun:
    as_of: datetime
    reviewed: int = 0
    kept: int = 0
    raised: int = 0
    in_grace: int = 0
    lowered: int = 0
    events: int = 0

    def plus(self, decisions: Sequence[Decision], events: int) -> ReviewRun:
        counts = {outcome: 0 for outcome in Outcome}
        for decision in decisions:
            counts[decision.outcome] += 1
        return replace(
            self,
            reviewed=self.reviewed + len(decisions),
            kept=self.kept + counts[Outcome.KEPT],
            raised=self.raised + counts[Outcome.RAISED],
            in_grace=self.in_grace + counts[Outcome.IN_GRACE],
            lowered=self.lowered + counts[Outcome.LOWERED],
            events=self.events + events,
        )


def check_as_of(as_of: datetime, now: datetime) -> datetime:
    if as_of.tzinfo is None:
        raise InvalidInput("asOf must carry a UTC offset", field=["asOf"])
    if as_of > now:
        raise InvalidInput(f"asOf {as_of.isoformat()} is in the future", field=["asOf"])
    return as_of


async def due_members(conn: Conn, *, as_of: datetime, after: int, limit: int) -> list[int]:
    """Active members after ``after``, in id order, whose review or paid tier's end is due."""
    cur = await conn.execute(
        "SELECT t.member_id FROM member_tiers t JOIN members m ON m.id = t.member_id"
        " WHERE (t.review_at <= %(as_of)s OR t.shown_until <= %(as_of)s)"
        "   AND t.member_id > %(after)s AND m.status = 'ACTIVE'"
        " ORDER BY t.member_id LIMIT %(limit)s",
        {"as_of": as_of, "after": after, "limit": limit},
    )
    return [int(row["member_id"]) for row in await cur.fetchall()]


async def _lock(conn: Conn, member_ids: Sequence[int]) -> None:
    await conn.execute(
        "SELECT member_id FROM member_balances WHERE member_id = ANY(%s)"
        " ORDER BY member_id FOR UPDATE",
        (list(member_ids),),
    )


async def _write(conn: Conn, decided: dict[int, Decision], now: datetime) -> None:
    ids = list(decided)
    tiers = [d.level.name if d.level and d.level.threshold > 0 else None for d in decided.values()]
    await conn.execute(
        "UPDATE member_tiers t SET tier = d.tier, review_at = d.review_at,"
        "  changed_at = CASE WHEN d.changed THEN %s ELSE t.changed_at END"
        " FROM unnest(%s::bigint[], %s::text[], %s::timestamptz[], %s::boolean[])"
        "   AS d (member_id, tier, review_at, changed)"
        " WHERE t.member_id = d.member_id",
        (
            now,
            ids,
            tiers,
            [d.review_at for d in decided.values()],
            [d.changed for d in decided.values()],
        ),
    )


async def review_members(
    conn: Conn, member_ids: Sequence[int], ladder: Ladder, *, as_of: datetime, now: datetime
) -> tuple[list[Decision], int]:
    """Review these members in the caller's transaction: their decisions and the events."""
    await _lock(conn, member_ids)
    rows = await repo.tier_rows(conn, member_ids)
    due = {m: at for m in member_ids if (at := rows[m].review_at) is not None and at <= as_of}
    points = await repo.qualifying_points(
        conn, list(due), as_of=as_of, window_days=ladder.window_days, posted_by=as_of
    )
    decided = {
        member: reviews.review(
            ladder,
            earned=rows[member].tier,
            review_at=review_at,
            qualifying=points[member],
            as_of=as_of,
        )
        for member, review_at in due.items()
    }
    await _write(conn, decided, now)
    ended = {m for m in member_ids if (until := rows[m].shown_until) and until <= as_of}
    by_review = [m for m in member_ids if m in decided and (decided[m].changed or m not in ended)]
    sent = await repo.announce(conn, by_review, reason="REVIEW", effective_at=as_of, now=now)
    by_end = [m for m in member_ids if m not in by_review]
    sent += await repo.announce(
        conn, by_end, reason="MEMBERSHIP_ENDED", effective_at=as_of, now=now
    )
    return list(decided.values()), sent


async def run_review(
    pool: Pool,
    *,
    as_of: datetime,
    now: Callable[[], datetime] = clock.now,
    chunk: int = CHUNK,
) -> ReviewRun:
    """Review every due member as of ``as_of``, ``chunk`` members per transaction."""
    run = ReviewRun(as_of=check_as_of(as_of, now()))
    async with transaction(pool) as conn:
        ladder = await repo.ladder_at(conn, as_of)
    if ladder is None:
        return run
    after = 0
    while True:
        async with transaction(pool) as conn:
            ids = await due_members(conn, as_of=as_of, after=after, limit=chunk)
            if not ids:
                return run
            decisions, sent = await review_members(conn, ids, ladder, as_of=as_of, now=now())
        run, after = run.plus(decisions, sent), ids[-1]


async def review_daily(pool: Pool, stop: asyncio.Event, *, every: timedelta = DAILY) -> None:
    """Review now, then every ``every`` until ``stop`` (a failed run is logged and tried again
    at the next one). Several workers may run it: members are locked, a second run finds
    nothing more to change."""
    while not stop.is_set():
        try:
            run = await run_review(pool, as_of=clock.now())
            logger.info(
                "tier review: %d reviewed, %d lowered, %d raised, %d in grace, %d events",
                run.reviewed,
                run.lowered,
                run.raised,
                run.in_grace,
                run.events,
            )
        except Exception:
            logger.exception("tier review failed; trying again at the next one")
        try:
            await asyncio.wait_for(stop.wait(), every.total_seconds())
        except TimeoutError:
            continue
