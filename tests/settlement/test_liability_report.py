"""The liability report: outstanding points by issuer and expiry month at the recorded issue
prices, as of an instant; a partner sees its own points only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from settlement_support import Coalition
from test_settlement_api import Api, key_for

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
REPORT = (
    "query($asOf: DateTime) { liabilityReport(asOf: $asOf) { outstandingPoints"
    " outstandingValue { amount } byIssuer { issuerCode outstandingPoints"
    " outstandingValue { amount } expiredPoints }"
    " byExpiryMonth { issuerCode expiryMonth points value { amount } } } }"
)


async def test_outstanding_points_by_issuer_and_month(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008", validity_days=30
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.020", redemption_value="0.009", validity_days=None
    )
    member = await coalition.member(shop)
    await coalition.ledger.link(member, cafe)
    await coalition.ledger.earn(member, shop, "150.00", now=T0)  # 150 points, 30 days
    await coalition.ledger.earn(member, cafe, "40.00", now=T0)  # 40 points, no expiry
    await coalition.ledger.burn(member, cafe, 50, now=T0 + timedelta(hours=1))  # SHOP's first
    finance = Api(client, await key_for(coalition.pool, "finance"))

    now = (await finance.data(REPORT))["liabilityReport"]
    month = (T0 + timedelta(days=30)).strftime("%Y-%m")
    assert now["outstandingPoints"] == 140
    assert now["outstandingValue"] == {"amount": "1.80"}  # 100 x 0.010 + 40 x 0.020
    assert now["byExpiryMonth"] == [
        {"issuerCode": "CAFE", "expiryMonth": None, "points": 40, "value": {"amount": "0.80"}},
        {"issuerCode": "SHOP", "expiryMonth": month, "points": 100, "value": {"amount": "1.00"}},
    ]
    before_burn = await finance.data(REPORT, {"asOf": (T0 + timedelta(minutes=30)).isoformat()})
    assert before_burn["liabilityReport"]["outstandingPoints"] == 190

    shop_api = Api(client, await key_for(coalition.pool, "partner", shop))
    own = (await shop_api.data(REPORT))["liabilityReport"]
    assert [row["issuerCode"] for row in own["byIssuer"]] == ["SHOP"]
    assert own["outstandingPoints"] == 100
