"""How a transaction's points were computed, as it recorded them: an earn's lines, rules,
tier and campaigns; a campaign's BONUS, the campaign."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from exchange.ledger.queries import EntryDetails
from partners.campaigns import record as campaign_record
from partners.earn_rules import explain
from partners.earn_rules import record as earn_record

from .campaigns import CampaignLine
from .earn_rules import EarnRuleStep
from .quotes import EarnQuoteLine, quote_lines


@strawberry.type(description="The tier an earn used.")
class EarnTierUsed:
    name: str
    version: int
    source: str = strawberry.field(description="EARNED or PAID.")
    multiplier: str


@strawberry.type(
    description="How an earn's points were computed, as it recorded them (a reversal and a"
    " replay give the same numbers)."
)
class EarnCalculation:
    points: int = strawberry.field(description="What the earn rules gave (the EARN's points).")
    campaign_points: int = strawberry.field(
        description="What its campaigns gave, in BONUS transactions beside it."
    )
    rate: str = strawberry.field(description="The base rate of the rule version it used.")
    rule_version: int | None = strawberry.field(
        description="The earn rule version it used (null: before rules were versioned)."
    )
    rule_effective_from: datetime | None
    lines: list[EarnQuoteLine]
    points_before_caps: int
    tier: EarnTierUsed | None
    explanation: list[EarnRuleStep] = strawberry.field(
        description="The rules in the order they applied."
    )
    campaigns: list[CampaignLine] = strawberry.field(
        description="The campaigns it met, in the order they applied, with what each gave."
    )

    @classmethod
    def of(cls, kept: EntryDetails) -> EarnCalculation | None:
        details, currency = kept.details, kept.currency
        if not details or "lines" not in details or currency is None:
            return None
        amount = kept.amount if kept.amount is not None else Decimal(0)
        calculation = earn_record.calculation(details, amount=amount, currency=currency)
        tier = details.get("tier")
        outcomes = campaign_record.outcomes(details)
        return cls(
            points=calculation.points,
            campaign_points=sum(outcome.points for outcome in outcomes),
            rate=format(calculation.base_rate.normalize(), "f"),
            rule_version=calculation.version,
            rule_effective_from=calculation.effective_from,
            lines=quote_lines(calculation),
            points_before_caps=calculation.points_before_caps,
            tier=None
            if tier is None
            else EarnTierUsed(
                name=tier["name"],
                version=tier["version"],
                source=tier["source"],
                multiplier=tier["multiplier"],
            ),
            explanation=[EarnRuleStep.of(step) for step in explain.steps(calculation)],
            campaigns=[CampaignLine.recorded(outcome, currency) for outcome in outcomes],
        )


def campaign_line(kept: EntryDetails, entry_id: int, currency: str) -> CampaignLine | None:
    """The campaign a BONUS transaction holds the points of."""
    if not kept.details or "campaign" not in kept.details:
        return None
    return CampaignLine.recorded(campaign_record.outcome(kept.details, entry_id), currency)
