"""Bonus events: the catalogue of event types partners may award, with their limits."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from partners.bonuses.catalogue import Catalogue, EventType


@strawberry.enum(
    description="The period a bonus limit counts in: a UTC calendar DAY, MONTH or YEAR, or"
    " EVER (in all)."
)
class BonusLimitPeriod(enum.Enum):
    DAY = "DAY"
    MONTH = "MONTH"
    YEAR = "YEAR"
    EVER = "EVER"


@strawberry.type(description="At most `count` awards of the type per member in each period.")
class BonusLimit:
    count: int
    period: BonusLimitPeriod


@strawberry.type(description="An event a partner may award points for.")
class BonusEventType:
    code: str = strawberry.field(description="What awardBonus names (REVIEW, BIRTHDAY...).")
    name: str = strawberry.field(description="What the member reads: 'Bonus: <name>'.")
    points: int
    limit: BonusLimit | None = strawberry.field(
        description="Per member; null: only the reference limits (each once per member)."
    )

    @classmethod
    def of(cls, kind: EventType) -> BonusEventType:
        limit = kind.limit
        return cls(
            code=kind.code,
            name=kind.name,
            points=kind.points,
            limit=None
            if limit is None
            else BonusLimit(count=limit.count, period=BonusLimitPeriod(limit.period)),
        )


@strawberry.type(
    description="A version of the bonus event types, in force from effectiveFrom until a"
    " later version starts."
)
class BonusCatalogue:
    version: int
    effective_from: datetime
    event_types: list[BonusEventType] = strawberry.field(description="By code.")

    @classmethod
    def of(cls, catalogue: Catalogue) -> BonusCatalogue:
        return cls(
            version=catalogue.version,
            effective_from=catalogue.effective_from,
            event_types=[BonusEventType.of(kind) for kind in catalogue.event_types],
        )
