"""A partner's earn rules (versions, never edited) and an earn's calculation, rule by rule."""

from __future__ import annotations

import enum
from datetime import datetime
from decimal import Decimal

import strawberry

from exchange.kit.ids import to_global_id
from partners.earn_rules import explain
from partners.earn_rules.rule_sets import Rule, RuleSet, in_force

from .common import Money


@strawberry.enum(description="The earn rules, in the order they apply to a purchase.")
class EarnRule(enum.Enum):
    MINIMUM_PURCHASE = "MINIMUM_PURCHASE"
    MULTIPLIER = "MULTIPLIER"
    BASE_RATE = "BASE_RATE"
    CATEGORY_RATE = "CATEGORY_RATE"
    EXCLUDED_CATEGORY = "EXCLUDED_CATEGORY"
    CAP_PER_TRANSACTION = "CAP_PER_TRANSACTION"
    CAP_PER_MEMBER_PER_DAY = "CAP_PER_MEMBER_PER_DAY"

    @classmethod
    def of(cls, rule: Rule) -> EarnRule:
        return cls(rule.value)


@strawberry.type(description="One rule applied to a purchase, with its numbers.")
class EarnRuleStep:
    rule: EarnRule
    message: str = strawberry.field(description="What the rule did, in words and numbers.")
    points: int | None = strawberry.field(
        description="A line's points (rate rules), or the purchase's after a cap."
    )
    line: int | None = strawberry.field(description="The basket line (0-based), for rate rules.")
    applied: bool = strawberry.field(
        description="False for a rule that was checked and changed nothing (a cap not reached,"
        " a minimum met)."
    )

    @classmethod
    def of(cls, step: explain.Step) -> EarnRuleStep:
        return cls(
            rule=EarnRule.of(step.rule),
            message=step.message,
            points=step.points,
            line=step.line,
            applied=step.applied,
        )


@strawberry.type(description="A category's own earn rate.")
class CategoryRate:
    category: str
    rate: str = strawberry.field(description="Points per whole unit of money, e.g. 0.3.")


@strawberry.type(
    description="One version of a partner's earn rules, in force from effectiveFrom until a"
    " later version starts. Versions are never edited: a change is a new version."
)
class EarnRuleSet:
    id: strawberry.ID
    version: int
    effective_from: datetime
    base_rate: str = strawberry.field(
        description="Points per whole unit of money for a line in no rated category."
    )
    category_rates: list[CategoryRate]
    excluded_categories: list[str] = strawberry.field(description="Categories that earn nothing.")
    minimum_purchase: Money | None = strawberry.field(
        description="The least a purchase must cost to earn anything."
    )
    cap_per_transaction: int | None
    cap_per_member_per_day: int | None = strawberry.field(
        description="Points one member may earn at the partner in one UTC day."
    )
    created_at: datetime | None

    @classmethod
    def of(cls, rule_set: RuleSet, currency: str) -> EarnRuleSet:
        terms = rule_set.terms
        minimum = terms.minimum_purchase
        return cls(
            id=strawberry.ID(to_global_id("EarnRuleSet", rule_set.id)),
            version=rule_set.version,
            effective_from=rule_set.effective_from,
            base_rate=_rate(terms.base_rate),
            category_rates=[
                CategoryRate(category=rate.category, rate=_rate(rate.rate))
                for rate in terms.category_rates
            ],
            excluded_categories=list(terms.excluded_categories),
            minimum_purchase=None if minimum is None else Money.of(minimum, currency),
            cap_per_transaction=terms.cap_per_transaction,
            cap_per_member_per_day=terms.cap_per_member_per_day,
            created_at=rule_set.created_at,
        )


@strawberry.type(description="A partner's earn rules: the version in force now, and all of them.")
class EarnRules:
    current: EarnRuleSet | None = strawberry.field(
        description="The version in force now (null before the first starts)."
    )
    versions: list[EarnRuleSet] = strawberry.field(
        description="Every version, the latest version first (future ones included)."
    )

    @classmethod
    def of(cls, versions: list[RuleSet], currency: str, now: datetime) -> EarnRules:
        current = in_force(versions, now)
        return cls(
            current=None if current is None else EarnRuleSet.of(current, currency),
            versions=[EarnRuleSet.of(version, currency) for version in versions],
        )


def _rate(value: Decimal) -> str:
    return format(value.normalize(), "f")
