"""Quotes: what an earn would give, what a burn could use. Nothing is written."""

from __future__ import annotations

import strawberry

from .common import Money


@strawberry.type(description="One basket line and the points it would earn.")
class EarnQuoteLine:
    category: str
    amount: Money
    points: int


@strawberry.type(description="The points an earnPoints with this basket would give now.")
class EarnQuote:
    points: int
    rate: str = strawberry.field(description="The partner's earn rate in force, per unit.")
    lines: list[EarnQuoteLine] = strawberry.field(
        description="Per line (the whole amount as one line when none were given). No tier or"
        " campaign multipliers exist yet."
    )


@strawberry.type(description="How many points the member could spend on this basket now.")
class BurnQuote:
    max_points: int = strawberry.field(
        description="The member's available points, capped at what covers the basket."
    )
    value: Money = strawberry.field(description="What `maxPoints` are worth at this partner.")
    point_value: Money = strawberry.field(description="The partner's redemption value per point.")
    available_balance: int
