"""Quotes: what an earn would give, what a burn could use. Nothing is written."""

from __future__ import annotations

import enum

import strawberry

from partners.burn_rules import explain

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


@strawberry.enum(description="A limit on the points a burn may use, in the order burns meet them.")
class BurnLimit(enum.Enum):
    REDEMPTION_NOT_ACCEPTED = "REDEMPTION_NOT_ACCEPTED"
    MINIMUM_BASKET = "MINIMUM_BASKET"
    MINIMUM_POINTS = "MINIMUM_POINTS"
    MAX_BASKET_SHARE = "MAX_BASKET_SHARE"
    AVAILABLE_POINTS = "AVAILABLE_POINTS"


@strawberry.type(description="One limit of the burn rules and what it leaves.")
class BurnQuoteStep:
    limit: BurnLimit
    message: str
    points: int | None = strawberry.field(
        description="The most points this limit leaves; null when it leaves any number."
    )
    applied: bool = strawberry.field(description="True for the limit that bound `maxPoints`.")

    @classmethod
    def of(cls, step: explain.Step) -> BurnQuoteStep:
        return cls(
            limit=BurnLimit(step.limit.value),
            message=step.message,
            points=step.points,
            applied=step.applied,
        )


@strawberry.type(description="How many points the member could spend on this basket now.")
class BurnQuote:
    max_points: int = strawberry.field(
        description="What a burnPoints with this basket may use now: the member's available"
        " points within the partner's burn rules (at most the whole basket; 0 when a rule"
        " allows none)."
    )
    value: Money = strawberry.field(description="What `maxPoints` pay of the basket.")
    point_value: Money = strawberry.field(
        description="Money a point pays: the burn rules' point value, by default the partner's"
        " redemption value."
    )
    available_balance: int
    bound_by: BurnLimit = strawberry.field(description="The limit that bound `maxPoints`.")
    rule_version: int | None = strawberry.field(
        description="The partner's burn rules version in force; null: the defaults."
    )
    steps: list[BurnQuoteStep] = strawberry.field(
        description="Each limit in words, in the order a burn meets them."
    )
