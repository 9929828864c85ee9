"""``recordSurveyAnswer`` (every key: a partner for the members it was shown, staff for any):
a member's answer to the net promoter question, 0 to 10, for the program report's NPS."""

from __future__ import annotations

from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.errors import ExchangeError
from exchange.kit.ids import to_global_id
from exchange.ledger.errors import MemberNotFound
from settlement import surveys

from ..context import Info
from ..types.common import UserError, described
from ..types.members import Member
from .common import decode_id


@strawberry.input
class RecordSurveyAnswerInput:
    member_id: strawberry.ID
    score: int = strawberry.field(
        description="How likely the member is to recommend the program, 0 to 10: 9 and 10"
        " are promoters, 0 to 6 detractors."
    )
    comment: str | None = strawberry.field(
        default=None, description="What the member wrote, up to 2,000 characters."
    )
    answered_at: datetime | None = strawberry.field(
        default=None, description="When the member answered (default now); not in the future."
    )
    idempotency_key: str


@strawberry.type(description="A member's answer to the net promoter question.")
class SurveyAnswer:
    id: strawberry.ID
    score: int
    comment: str | None
    answered_at: datetime
    member_id: strawberry.Private[int]

    @described("The member who answered.")
    async def member(self, info: Info) -> Member | None:
        return await Member.load(info, self.member_id)


@strawberry.type
class RecordSurveyAnswerPayload:
    survey_answer: SurveyAnswer | None
    user_errors: list[UserError]


async def _record(info: Info, data: RecordSurveyAnswerInput) -> SurveyAnswer:
    principal = info.context.principal
    answer = surveys.Answer(
        member_id=decode_id(data.member_id, "Member", MemberNotFound, "memberId"),
        score=data.score,
        comment=data.comment or None,
        answered_at=data.answered_at,
    )
    recorded = await surveys.record(
        info.context.pool,
        answer,
        caller=principal.caller,
        key=data.idempotency_key,
        partner_id=principal.scope,
        now=clock.now(),
    )
    return SurveyAnswer(
        id=strawberry.ID(to_global_id("SurveyAnswer", recorded.id)),
        score=recorded.score,
        comment=recorded.comment,
        answered_at=recorded.answered_at,
        member_id=recorded.member_id,
    )


async def record_survey_answer(
    info: Info, input: RecordSurveyAnswerInput
) -> RecordSurveyAnswerPayload:
    try:
        answer = await _record(info, input)
    except ExchangeError as error:
        return RecordSurveyAnswerPayload(survey_answer=None, user_errors=[UserError.of(error)])
    return RecordSurveyAnswerPayload(survey_answer=answer, user_errors=[])
