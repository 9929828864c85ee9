"""Members' answers to the net promoter question (0 to 10), for the program reports. A
partner records answers for members it was shown (as for any operation on a member), staff
for any member; the same idempotency key and input records one answer only."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.ledger import idempotency, members
from exchange.ledger.errors import MemberNotFound

OPERATION = "recordSurveyAnswer"
MAX_COMMENT = 2000
CLOCK_SKEW = timedelta(minutes=5)
"""As for a purchase's occurredAt: a caller's clock may run a little ahead."""


@dataclass(frozen=True)
class SurveyAnswer:
    id: int
    member_id: int
    partner_id: int | None
    score: int
    comment: str | None
    answered_at: datetime


@dataclass(frozen=True)
class Answer:
    """What a caller asks to record; ``answered_at`` None: now."""

    member_id: int
    score: int
    comment: str | None
    answered_at: datetime | None


def _check(answer: Answer, now: datetime) -> None:
    if not 0 <= answer.score <= 10:
        raise InvalidInput("score must be between 0 and 10", field=["score"])
    comment = answer.comment
    if comment is not None and (
        len(comment) > MAX_COMMENT
        or any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in comment)
    ):
        raise InvalidInput(
            f"comment must be at most {MAX_COMMENT} characters, without control characters",
            field=["comment"],
        )
    moment = answer.answered_at
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput("answeredAt needs a time zone offset", field=["answeredAt"])
    if moment is not None and moment > now + CLOCK_SKEW:
        raise InvalidInput("answeredAt is in the future", field=["answeredAt"])


async def record(
    pool: Pool, answer: Answer, *, caller: str, key: str, partner_id: int | None, now: datetime
) -> SurveyAnswer:
    """Record the answer (or return the one this key already recorded)."""
    _check(answer, now)
    body = {
        "memberId": answer.member_id,
        "score": answer.score,
        "comment": answer.comment,
        "answeredAt": answer.answered_at,
    }
    async with transaction(pool) as conn:
        done = await idempotency.claim(
            conn, caller=caller, key=key, operation=OPERATION, request=body
        )
        if done is not None:
            return await get(conn, int(done["survey_answer_id"]))
        await _shown(conn, answer.member_id, partner_id)
        recorded = await _insert(conn, answer, partner_id, answer.answered_at or now)
        await idempotency.store(
            conn, caller=caller, key=key, response={"survey_answer_id": recorded.id}
        )
    return recorded


async def _shown(conn: Conn, member_id: int, partner_id: int | None) -> None:
    """A partner answers for members it was shown; staff for any member."""
    try:
        await members.find(conn, partner_id=partner_id, member_id=member_id)
    except MemberNotFound as error:
        raise MemberNotFound(error.message, field=["memberId"]) from None


async def _insert(
    conn: Conn, answer: Answer, partner_id: int | None, answered_at: datetime
) -> SurveyAnswer:
    cur = await conn.execute(
        "INSERT INTO survey_answers (member_id, partner_id, score, comment, answered_at)"
        " VALUES (%s, %s, %s, %s, %s)"
        " RETURNING id, member_id, partner_id, score, comment, answered_at",
        (answer.member_id, partner_id, answer.score, answer.comment, answered_at),
    )
    row = await cur.fetchone()
    assert row is not None
    return SurveyAnswer(**row)


async def get(conn: Conn, answer_id: int) -> SurveyAnswer:
    cur = await conn.execute(
        "SELECT id, member_id, partner_id, score, comment, answered_at"
        " FROM survey_answers WHERE id = %s",
        (answer_id,),
    )
    row = await cur.fetchone()
    assert row is not None, "an idempotency record points at its answer"
    return SurveyAnswer(**row)
