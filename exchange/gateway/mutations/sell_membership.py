"""``sellMembership`` (partner keys): sell a member it was shown a plan on sale now; the
partner owes the plan's price (settlement bills it as a MEMBERSHIP_SOLD line)."""

from __future__ import annotations

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import ExchangeError
from exchange.ledger.errors import MemberNotFound
from partners.tiers import selling
from partners.tiers.repository import Sold

from ..auth import require_partner
from ..context import Context, Info
from ..types.common import UserError
from ..types.members import Member
from ..types.tiers import Membership
from .common import decode_id


@strawberry.input
class SellMembershipInput:
    member_id: strawberry.ID
    plan: str = strawberry.field(description="The code of a plan on sale now.")
    idempotency_key: str


@strawberry.type
class SellMembershipPayload:
    membership: Membership | None
    member: Member | None = strawberry.field(description="The member after the sale.")
    user_errors: list[UserError]


async def _sell(ctx: Context, partner_id: int, data: SellMembershipInput) -> Sold:
    member_id = decode_id(data.member_id, "Member", MemberNotFound, "memberId")
    principal = ctx.principal
    async with transaction(ctx.pool) as conn:
        return await selling.sell(
            conn,
            member_id=member_id,
            partner_id=partner_id,
            plan_code=data.plan,
            caller=principal.caller,
            key=data.idempotency_key,
            actor=f"{principal.role} key {principal.key_id}",
            now=clock.now(),
        )


async def sell_membership(info: Info, input: SellMembershipInput) -> SellMembershipPayload:
    ctx = info.context
    partner_id = require_partner(ctx.principal)
    try:
        sold = await _sell(ctx, partner_id, input)
    except ExchangeError as error:
        return SellMembershipPayload(
            membership=None, member=None, user_errors=[UserError.of(error)]
        )
    ctx.forget_reads()
    member = await Member.load(info, sold.membership.member_id)
    return SellMembershipPayload(membership=Membership.of(sold), member=member, user_errors=[])
