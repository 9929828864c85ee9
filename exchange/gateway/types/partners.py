"""Partners and their API keys."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from exchange.kit.ids import to_global_id
from partners import keys, registry

from ..context import Info
from .common import Node


@strawberry.enum(description="What an API key may do.")
class ApiKeyRole(enum.Enum):
    PARTNER = "partner"
    FINANCE = "finance"
    ADMIN = "admin"


@strawberry.enum
class PartnerStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@strawberry.type(description="A business that issues and redeems points in the coalition.")
class Partner(Node):
    code: str
    name: str
    status: PartnerStatus
    earn_rate: str = strawberry.field(
        description="Points per whole unit of money spent, as a decimal string."
    )
    point_validity_days: int | None = strawberry.field(
        description="How long the points this partner issues stay valid; null: no expiry."
    )
    created_at: datetime

    @classmethod
    def of(cls, partner: registry.Partner) -> Partner:
        return cls(
            id=strawberry.ID(to_global_id("Partner", partner.id)),
            code=partner.code,
            name=partner.name,
            status=PartnerStatus(partner.status),
            earn_rate=format(partner.earn_rate.normalize(), "f"),
            point_validity_days=partner.point_validity_days,
            created_at=partner.created_at,
        )


@strawberry.type(
    description="An API key as it is listed: never the secret, only its prefix and"
    " last four characters."
)
class ApiKey:
    id: strawberry.ID
    role: ApiKeyRole
    name: str | None
    prefix: str
    last_four: str
    created_at: datetime
    revoked_at: datetime | None = strawberry.field(
        description="When the key stops (or stopped) working; a future time is an overlap"
        " window for rotation."
    )
    expires_at: datetime | None
    partner_id: strawberry.Private[int | None]

    @strawberry.field
    async def partner(self, info: Info) -> Partner | None:
        if self.partner_id is None:
            return None
        found = await info.context.loaders.partners.load(self.partner_id)
        return None if found is None else Partner.of(found)

    @classmethod
    def of(cls, key: keys.KeyInfo) -> ApiKey:
        return cls(
            id=strawberry.ID(to_global_id("ApiKey", key.id)),
            role=ApiKeyRole(key.role),
            name=key.name,
            prefix=key.prefix,
            last_four=key.last_four,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
            expires_at=key.expires_at,
            partner_id=key.partner_id,
        )
