"""Quotes: what an earn would give, what a burn could use. Nothing is written."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from partners.burn_rules import explain
from partners.campaign_earns import CampaignQuote
from partners.earn_rules import explain as earn_explain
from partners.earn_rules.evaluation import Calculation

from .campaigns import CampaignLine, quoted_line, skipped_line
from .common import Money
from .earn_rules import EarnRule, EarnRuleStep


@strawberry.type(description="One basket line and the points it would earn.")
class EarnQuoteLine:
    category: str
    amount: Money
    points: int = strawberry.field(
        description="What the line earns after the caps (the lines add up to the quote's"
        " points; capped points are shared over the lines in proportion)."
    )
    points_before_caps: int = strawberry.field(
        description="floor(amount x rate x multiplier): the line's points before any cap."
    )
    rule: EarnRule = strawberry.field(
        description="Where the rate comes from: BASE_RATE, CATEGORY_RATE or EXCLUDED_CATEGORY."
    )
    rate: str = strawberry.field(description="The rate the line earns at, per unit of money.")
    multiplier: str = strawberry.field(
        description="Tier and campaign multipliers on the line, multiplied (1: none)."
    )
    exact_points: str = strawberry.field(
        description="amount x rate x multiplier before rounding down, as a decimal string."
    )


def quote_lines(calculation: Calculation) -> list[EarnQuoteLine]:
    currency = calculation.currency
    return [
        EarnQuoteLine(
            category=line.category,
            amount=Money.of(line.amount, currency),
            points=granted,
            points_before_caps=line.points,
            rule=EarnRule.of(line.rule),
            rate=_number(line.rate),
            multiplier=_number(line.multiplier),
            exact_points=_number(line.exact),
        )
        for line, granted in zip(calculation.lines, calculation.granted, strict=True)
    ]


@strawberry.type(description="The points an earnPoints with this basket would give now.")
class EarnQuote:
    points: int = strawberry.field(
        description="What the earn rules give (the EARN transaction's points)."
    )
    campaign_points: int = strawberry.field(
        default=0,
        description="What the campaigns would give on top, within their limits as they stand"
        " (an instant win's prize is drawn at the earn, not counted here).",
    )
    total_points: int = strawberry.field(default=0, description="points + campaignPoints.")
    campaigns: list[CampaignLine] = strawberry.field(
        default_factory=list,
        description="The campaigns running at the partner, in the order they apply: what each"
        " would give, or why it does not apply.",
    )
    rate: str = strawberry.field(description="The base rate in force, per unit of money.")
    lines: list[EarnQuoteLine] = strawberry.field(
        description="Per line (the whole amount as one line, `purchase`, when none were given)."
    )
    points_before_caps: int = strawberry.field(description="The lines' points before any cap.")
    rule_version: int = strawberry.field(
        description="The partner's earn rule version in force now (the earn records it)."
    )
    rule_effective_from: datetime = strawberry.field(description="When that version started.")
    explanation: list[EarnRuleStep] = strawberry.field(
        description="The rules in the order they apply: minimum purchase, multipliers, each"
        " line's rate rounded down, then the caps per transaction and per member per day. An"
        " earn of the same basket records the same calculation."
    )

    @classmethod
    def of(cls, calculation: Calculation, found: CampaignQuote | None = None) -> EarnQuote:
        assert calculation.version is not None and calculation.effective_from is not None
        currency = calculation.currency
        campaigns: list[CampaignLine] = []
        if found is not None:
            campaigns = [quoted_line(q, currency) for q in found.quoted]
            campaigns += [skipped_line(skipped) for skipped in found.evaluation.skipped]
        extra = 0 if found is None else found.points
        return cls(
            points=calculation.points,
            campaign_points=extra,
            total_points=calculation.points + extra,
            campaigns=campaigns,
            rate=_number(calculation.base_rate),
            lines=quote_lines(calculation),
            points_before_caps=calculation.points_before_caps,
            rule_version=calculation.version,
            rule_effective_from=calculation.effective_from,
            explanation=[EarnRuleStep.of(step) for step in earn_explain.steps(calculation)],
        )


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


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
