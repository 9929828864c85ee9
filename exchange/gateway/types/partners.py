"""Partners and their API keys."""

from __future__ import annotations

import enum
from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.ids import to_global_id
from exchange.ledger.queries import MAX_PAGE
from partners import keys, prepaid, registry

from ..context import Info
from .burn_rules import BurnRuleSet
from .common import Money, Node, described
from .earn_rules import EarnRules


@strawberry.enum(description="What an API key may do.")
class ApiKeyRole(enum.Enum):
    PARTNER = "partner"
    FINANCE = "finance"
    ADMIN = "admin"


@strawberry.enum
class PartnerStatus(enum.Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"


@strawberry.enum(
    description="POSTPAID: settlement bills the points it issues. PREPAID: it buys point"
    " blocks, settlement bills the blocks, and an earn beyond the points bought plus its"
    " credit limit is refused with PARTNER_CREDIT_LIMIT."
)
class PartnerBilling(enum.Enum):
    POSTPAID = "POSTPAID"
    PREPAID = "PREPAID"


@strawberry.type(description="Points a PREPAID partner bought; settlement bills them once.")
class PointBlock:
    id: strawberry.ID
    points: int
    price_per_point: Money
    amount: Money = strawberry.field(description="points x pricePerPoint.")
    reference: str = strawberry.field(
        description="The purchase's reference (an invoice or a payment)."
    )
    bought_at: datetime

    @classmethod
    def of(cls, block: prepaid.PointBlock) -> PointBlock:
        return cls(
            id=strawberry.ID(to_global_id("PointBlock", block.id)),
            points=block.points,
            price_per_point=Money.of(block.price_per_point, block.currency),
            amount=Money.of(block.amount, block.currency),
            reference=block.reference,
            bought_at=block.bought_at,
        )


@strawberry.type(description="What a PREPAID partner bought and issued from its point blocks.")
class PrepaidAccount:
    points_bought: int = strawberry.field(description="The points of all its blocks.")
    points_drawn: int = strawberry.field(
        description="The points its prepaid earns issued, less what reversals gave back."
    )
    points_left: int = strawberry.field(
        description="What it may still issue: pointsBought + creditLimitPoints - pointsDrawn"
        " (never below 0)."
    )
    partner_id: strawberry.Private[int]

    @described("The blocks it bought, newest first; `first` is 1 to 100.")
    async def blocks(self, info: Info, first: int = 20) -> list[PointBlock]:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
        async with transaction(info.context.pool) as conn:
            found = await prepaid.blocks_of(conn, self.partner_id, first=first)
        return [PointBlock.of(block) for block in found]

    @classmethod
    def of(cls, allowance: prepaid.Allowance) -> PrepaidAccount:
        return cls(
            points_bought=allowance.points_bought,
            points_drawn=allowance.points_drawn,
            points_left=allowance.points_left,
            partner_id=allowance.partner_id,
        )


@strawberry.type(description="Money per point, in force from an instant until the next price.")
class PartnerPrice:
    effective_from: datetime
    issue_price: Money = strawberry.field(description="What the partner pays per point it issues.")
    redemption_value: Money = strawberry.field(
        description="What the partner is paid per point redeemed at it."
    )

    @classmethod
    def of(cls, price: registry.Price) -> PartnerPrice:
        return cls(
            effective_from=price.effective_from,
            issue_price=Money.of(price.issue_price, price.currency),
            redemption_value=Money.of(price.redemption_value, price.currency),
        )


@strawberry.type(description="A business that issues and redeems points in the coalition.")
class Partner(Node):
    code: str
    name: str
    status: PartnerStatus
    earn_rate: str = strawberry.field(
        description="The base rate it was created with (its version 1 earn rules), points per"
        " whole unit of money; `earnRules` has the rules in force."
    )
    point_validity_days: int | None = strawberry.field(
        description="How long the points this partner issues stay valid; null: no expiry."
    )
    created_at: datetime
    partner_id: strawberry.Private[int]
    billing_terms: strawberry.Private[tuple[str, int]]

    def _own_terms(self, info: Info) -> tuple[str, int] | None:
        """Billing is between the operator and the partner: staff, or the partner itself."""
        principal = info.context.principal
        mine = principal.member_id is None and (
            principal.is_staff or principal.partner_id == self.partner_id
        )
        return self.billing_terms if mine else None

    @described("POSTPAID or PREPAID: staff, or the partner itself; null otherwise.")
    def billing(self, info: Info) -> PartnerBilling | None:
        terms = self._own_terms(info)
        return None if terms is None else PartnerBilling(terms[0])

    @described(
        "PREPAID: how many points it may issue beyond the point blocks it bought (staff, or the"
        " partner itself; null otherwise)."
    )
    def credit_limit_points(self, info: Info) -> int | None:
        terms = self._own_terms(info)
        return None if terms is None else terms[1]

    @described(
        "Its point blocks and what it drew from them: staff, or the partner itself; null"
        " otherwise, and for a partner that never was PREPAID."
    )
    async def prepaid(self, info: Info) -> PrepaidAccount | None:
        found = await info.context.loaders.prepaid.load(self.partner_id)
        return None if found is None else PrepaidAccount.of(found)

    @described(
        "Its earn rules: the version in force now and every version. Staff see every"
        " partner's, a partner only its own: null otherwise."
    )
    async def earn_rules(self, info: Info) -> EarnRules | None:
        found = await info.context.loaders.earn_rules.load(self.partner_id)
        if found is None:
            return None
        return EarnRules.of(found, info.context.settings.currency, clock.now())

    @described(
        "The partner's prices, the latest effective first (future ones included); `first` is"
        " 1 to 100. Staff see every partner's, a partner only its own: null otherwise."
    )
    async def prices(self, info: Info, first: int = 20) -> list[PartnerPrice] | None:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
        found = await info.context.loaders.prices.load((self.partner_id, first))
        return None if found is None else [PartnerPrice.of(price) for price in found]

    @described(
        "The partner's burn rule versions, the latest effective first (future ones included);"
        " `first` is 1 to 100. Staff see every partner's, a partner only its own: null"
        " otherwise. Empty: the defaults hold (points accepted at their redemption value)."
    )
    async def burn_rules(self, info: Info, first: int = 20) -> list[BurnRuleSet] | None:
        if not 1 <= first <= MAX_PAGE:
            raise InvalidInput(f"first must be between 1 and {MAX_PAGE}", field=["first"])
        found = await info.context.loaders.burn_rules.load((self.partner_id, first))
        currency = info.context.settings.currency
        return None if found is None else [BurnRuleSet.of(rules, currency) for rules in found]

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
            partner_id=partner.id,
            billing_terms=(partner.billing, partner.credit_limit_points),
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
