"""The referral program: what a referral pays, and to whom."""

from __future__ import annotations

from datetime import datetime

import strawberry

from partners.referrals.program import Program


@strawberry.type(
    description="A version of the referral program, in force from effectiveFrom until a later"
    " version starts. The operator funds its bonuses."
)
class ReferralProgram:
    version: int
    effective_from: datetime
    referrer_points: int = strawberry.field(description="Points to the member whose code was used.")
    referred_points: int = strawberry.field(description="Points to the member who used it.")
    minimum_points: int = strawberry.field(
        description="A qualifying purchase: the referred member's first earn of at least these"
        " points."
    )
    validity_days: int | None = strawberry.field(
        description="Days the bonus points live; null: they do not expire."
    )

    @classmethod
    def of(cls, program: Program) -> ReferralProgram:
        terms = program.terms
        return cls(
            version=program.version,
            effective_from=program.effective_from,
            referrer_points=terms.referrer_points,
            referred_points=terms.referred_points,
            minimum_points=terms.minimum_points,
            validity_days=terms.validity_days,
        )
