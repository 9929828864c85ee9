"""``awardBonus`` (partner keys): points for an event that is not a purchase (a review, a
birthday, a survey answer), by the bonus event types in force, once per member, type and
reference, within the type's limit per member; the awarding partner issues them."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Outcome
from partners.bonuses import awarding

from ..context import Context, Info
from .common import (
    OutcomePayload,
    decode_id,
    ledger_request,
    resolve_member,
    resolve_transaction,
    run_partner_mutation,
)


@strawberry.input
class AwardBonusInput:
    member_id: strawberry.ID
    event_type: str = strawberry.field(description="A code of bonusEventTypes: REVIEW.")
    reference: str = strawberry.field(
        description="The partner's own reference of the event (a review's id, a survey"
        " answer's id, the year of a birthday): each is awarded once per member and type."
    )
    idempotency_key: str


@strawberry.type
class AwardBonusPayload(OutcomePayload):
    transaction = strawberry.field(resolver=resolve_transaction, description="The BONUS.")
    member = strawberry.field(resolver=resolve_member, description="The member after it.")


async def _award(ctx: Context, partner_id: int, data: AwardBonusInput) -> Outcome:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    request = ledger_request(
        ctx,
        data.idempotency_key,
        awarding.OPERATION,
        awarding.request_body(member_id, data.event_type, data.reference),
    )
    async with transaction(ctx.pool) as conn:
        return await awarding.award(
            conn,
            request,
            partner_id=partner_id,
            member_id=member_id,
            event_type=data.event_type,
            reference=data.reference,
            now=clock.now(),
        )


async def award_bonus(info: Info, input: AwardBonusInput) -> AwardBonusPayload:
    return await run_partner_mutation(
        info, AwardBonusPayload, lambda ctx, partner_id: _award(ctx, partner_id, input)
    )
