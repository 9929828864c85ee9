"""The liability report: points members still hold, and their value, by issuer and expiry
month; and breakage (points that expired), as of an instant."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from decimal import Decimal

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import InvalidInput
from settlement import reports

from ..context import Info
from ..report_pages import liability_path, signed_link
from .common import Money, described


@strawberry.type(description="Points of one issuer that expire in one month (null: never).")
class LiabilityByExpiry:
    issuer_code: str | None = strawberry.field(description="null: points the operator issued.")
    expiry_month: str | None = strawberry.field(description="YYYY-MM (UTC); null: no expiry.")
    points: int
    value: Money = strawberry.field(description="At the issue prices recorded on the lots.")


@strawberry.type(description="What one issuer's points still stand for, and what expired.")
class IssuerLiability:
    issuer_code: str | None
    outstanding_points: int
    outstanding_value: Money
    expired_points: int = strawberry.field(description="Breakage up to asOf.")
    breakage_value: Money


@strawberry.type(description="Outstanding points (the coalition's liability) and breakage.")
class LiabilityReport:
    as_of: datetime
    outstanding_points: int
    outstanding_value: Money
    by_issuer: list[IssuerLiability]
    by_expiry_month: list[LiabilityByExpiry]

    @described(
        "The report as CSV (OUTSTANDING rows by issuer and expiry month, then BREAKAGE by"
        " issuer): a link valid for 15 minutes, no API key needed."
    )
    async def csv_url(self, info: Info) -> str:
        return await signed_link(info, lambda code: liability_path(self.as_of, code))


def _issuers(
    held: list[reports.Outstanding], expired: list[reports.Breakage], currency: str
) -> list[IssuerLiability]:
    points: dict[str | None, list[Decimal]] = defaultdict(lambda: [Decimal(0)] * 4)
    for row in held:
        points[row.issuer_code][0] += row.points
        points[row.issuer_code][1] += row.value
    for gone in expired:
        points[gone.issuer_code][2] += gone.points
        points[gone.issuer_code][3] += gone.value
    return [
        IssuerLiability(
            issuer_code=code,
            outstanding_points=int(sums[0]),
            outstanding_value=Money.of(sums[1], currency),
            expired_points=int(sums[2]),
            breakage_value=Money.of(sums[3], currency),
        )
        for code, sums in sorted(points.items(), key=lambda item: item[0] or "")
    ]


async def liability_report(info: Info, as_of: datetime | None = None) -> LiabilityReport:
    ctx = info.context
    moment = as_of or clock.now()
    if moment > clock.now():
        raise InvalidInput("asOf is in the future", field=["asOf"])
    async with transaction(ctx.pool) as conn:
        held = await reports.outstanding(conn, as_of=moment)
        expired = await reports.breakage(conn, as_of=moment)
    scope = ctx.principal.scope
    if scope is not None:  # a partner: its own points only
        held = [row for row in held if row.issuer_partner_id == scope]
        expired = [row for row in expired if row.issuer_partner_id == scope]
    currency = ctx.settings.currency
    return LiabilityReport(
        as_of=moment,
        outstanding_points=sum(row.points for row in held),
        outstanding_value=Money.of(sum((row.value for row in held), Decimal(0)), currency),
        by_issuer=_issuers(held, expired, currency),
        by_expiry_month=[
            LiabilityByExpiry(
                issuer_code=row.issuer_code,
                expiry_month=None
                if row.expiry_month is None
                else row.expiry_month.strftime("%Y-%m"),
                points=row.points,
                value=Money.of(row.value, currency),
            )
            for row in held
        ],
    )
