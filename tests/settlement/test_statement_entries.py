"""Every statement line traces to ledger entries: a statement's entries download lists what
it covers, and their ids hash to its entriesSha256."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import httpx
from settlement_support import Coalition
from test_settlement_api import Api, key_for

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
STATEMENTS = (
    "query($id: ID!) { settlementBatch(id: $id) { statements { partnerCode entries"
    " entriesSha256 entriesCsvUrl } } }"
)


async def test_a_statement_lists_its_entries_and_they_hash_to_its_sha(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.020", redemption_value="0.009"
    )
    member = await coalition.member(shop)
    await coalition.ledger.link(member, cafe)
    first = await coalition.ledger.earn(member, shop, "100.00", now=T0)
    second = await coalition.ledger.earn(member, shop, "30.00", now=T0 + timedelta(minutes=1))
    burn = await coalition.ledger.burn(member, cafe, 40, now=T0 + timedelta(hours=1))
    finance = Api(client, await key_for(coalition.pool, "finance"))
    run = await finance.ok(
        "runSettlement", {"periodEnd": (T0 + timedelta(days=1)).isoformat()}, "batch { id }"
    )
    found = await finance.data(STATEMENTS, {"id": run["batch"]["id"]})
    statements = {s["partnerCode"]: s for s in found["settlementBatch"]["statements"]}

    shop_csv = await client.get(statements["SHOP"]["entriesCsvUrl"])
    assert shop_csv.status_code == 200
    rows = [line.split(",") for line in shop_csv.text.splitlines()]
    assert rows[0] == ["entry", "kind", "points", "posted_at"]
    assert [row[:3] for row in rows[1:]] == [
        [str(first.transaction_id), "EARN", "100"],
        [str(second.transaction_id), "EARN", "30"],
    ]
    ids = ",".join(row[0] for row in rows[1:])
    assert hashlib.sha256(ids.encode()).hexdigest() == statements["SHOP"]["entriesSha256"]
    assert statements["SHOP"]["entries"] == 2

    cafe_csv = await client.get(statements["CAFE"]["entriesCsvUrl"])
    assert [line.split(",")[:3] for line in cafe_csv.text.splitlines()[1:]] == [
        [str(burn.transaction_id), "BURN", "40"]
    ]
    unsigned = statements["CAFE"]["entriesCsvUrl"].split("?")[0]
    assert (await client.get(unsigned)).status_code == 401
