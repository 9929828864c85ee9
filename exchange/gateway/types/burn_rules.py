"""A partner's burn rules as GraphQL shows them (staff, and the partner itself)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import strawberry

from exchange.kit.ids import to_global_id
from partners.burn_rules.rule_sets import RuleSet

from .common import Money


@strawberry.type(
    description="One version of a partner's burn rules, in force from `effectiveFrom` until a"
    " later version starts. Versions never change; a change is a new version."
)
class BurnRuleSet:
    id: strawberry.ID
    version: int
    effective_from: datetime
    accepts_redemption: bool = strawberry.field(
        description="False: the partner accepts no points as payment (REDEMPTION_NOT_ACCEPTED)."
    )
    point_value: Money | None = strawberry.field(
        description="Money a point pays of a basket; null: the partner's redemption value in"
        " force at the burn."
    )
    max_basket_share: str | None = strawberry.field(
        description='The largest share of a basket points may pay, as a fraction ("0.2": 20%);'
        " null: the whole basket."
    )
    minimum_basket: Money | None = strawberry.field(
        description="The least a basket must cost for points to pay any of it."
    )
    minimum_points: int | None = strawberry.field(description="The fewest points one burn uses.")
    created_at: datetime

    @classmethod
    def of(cls, found: RuleSet, currency: str) -> BurnRuleSet:
        terms = found.terms

        def money(amount: Decimal | None) -> Money | None:
            return None if amount is None else Money.of(amount, currency)

        share = terms.max_basket_share
        return cls(
            id=strawberry.ID(to_global_id("BurnRuleSet", found.id)),
            version=found.version,
            effective_from=found.effective_from,
            accepts_redemption=terms.accepts_redemption,
            point_value=money(terms.point_value),
            max_basket_share=None if share is None else format(share.normalize(), "f"),
            minimum_basket=money(terms.minimum_basket),
            minimum_points=terms.minimum_points,
            created_at=found.created_at or found.effective_from,
        )
