"""Finance settles over GraphQL; a partner reads only its own approved statement; statements
download as CSV, JSON and a printable page, with the API key or a signed link."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from settlement_support import Coalition

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import expect_global_id
from partners import keys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))
from gateway_support import Api

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
BATCH = (
    "batch { id status entries operatorMargin { amount currency } csvUrl htmlUrl"
    " statements { partnerCode net { amount } exactNet roundingDifference"
    "   lines { kind points unitPrice amount { amount } } }"
    " flows { issuerCode redeemerCode points exactAmount }"
    " payments { payerCode payeeCode amount { amount } } }"
)


async def key_for(pool: Pool, role: str, partner_id: int | None = None) -> str:
    async with transaction(pool) as conn:
        issued = await keys.create_key(conn, role=role, partner_id=partner_id)  # type: ignore[arg-type]
    return issued.secret


async def test_finance_settles_and_a_partner_reads_its_own_statement(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    pool = coalition.pool
    shop = await coalition.partner(
        "SHOP", earn_rate="1", issue_price="0.010", redemption_value="0.008"
    )
    cafe = await coalition.partner(
        "CAFE", earn_rate="1", issue_price="0.020", redemption_value="0.009"
    )
    member = await coalition.member(shop)
    await coalition.ledger.link(member, cafe)
    await coalition.ledger.earn(member, shop, "200.00", now=T0)
    await coalition.ledger.burn(member, cafe, 50, now=T0 + timedelta(hours=1))
    finance = Api(client, await key_for(pool, "finance"))
    shop_api = Api(client, await key_for(pool, "partner", shop))
    end = (T0 + timedelta(days=1)).isoformat()

    refused = await shop_api.call(
        "mutation($i: RunSettlementInput!) { runSettlement(input: $i) { userErrors { code } } }",
        {"i": {"periodEnd": end}},
    )
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    run = await finance.ok("runSettlement", {"periodEnd": end, "idempotencyKey": "nov"}, BATCH)
    batch = run["batch"]
    assert (batch["status"], batch["entries"]) == ("DRAFT", 2)
    assert batch["operatorMargin"] == {"amount": "1.55", "currency": "EUR"}  # 2.00 - 0.45
    assert [(s["partnerCode"], s["net"]["amount"]) for s in batch["statements"]] == [
        ("CAFE", "-0.45"),
        ("SHOP", "2.00"),
    ]
    assert batch["flows"] == [
        {"issuerCode": "SHOP", "redeemerCode": "CAFE", "points": 50, "exactAmount": "0.45"}
    ]
    assert batch["payments"] == [
        {"payerCode": "SHOP", "payeeCode": None, "amount": {"amount": "1.55"}},
        {"payerCode": "SHOP", "payeeCode": "CAFE", "amount": {"amount": "0.45"}},
    ]
    again = await finance.ok(
        "runSettlement", {"periodEnd": end, "idempotencyKey": "nov"}, "batch { id }"
    )
    assert again["batch"]["id"] == batch["id"]
    draft = await finance.refused("runSettlement", {"periodEnd": end})
    assert draft["code"] == "SETTLEMENT_DRAFT_EXISTS"

    listed = "{ settlementBatches(first: 5) { edges { node { id statements { partnerCode } } } } }"
    assert (await shop_api.data(listed))["settlementBatches"]["edges"] == []  # a DRAFT is hidden
    await finance.ok("approveSettlementBatch", {"batchId": batch["id"]}, "batch { status }")
    seen = (await shop_api.data(listed))["settlementBatches"]["edges"]
    assert seen == [{"node": {"id": batch["id"], "statements": [{"partnerCode": "SHOP"}]}}]

    own = await client.get(
        f"/settlement/batches/{_db_id(batch['id'])}/statements.csv",
        headers={"Authorization": f"Bearer {shop_api.key}"},
    )
    assert own.status_code == 200
    assert own.text.splitlines()[1].split(",")[3:] == [
        "SHOP",
        "1",
        "ISSUED",
        "no",
        "0.01",
        "200",
        "2",
        "2.00",
        "1",
    ]
    assert "CAFE" not in own.text
    other = await client.get(
        f"/settlement/batches/{_db_id(batch['id'])}/statements/CAFE.csv",
        headers={"Authorization": f"Bearer {shop_api.key}"},
    )
    assert other.status_code == 404

    page = await client.get(batch["htmlUrl"])  # signed: no API key needed
    assert page.status_code == 200 and "Settlement statements" in page.text
    assert "the partner is paid" in page.text and "<svg" in page.text
    tampered = await client.get(batch["csvUrl"].replace("signature=", "signature=0"))
    assert tampered.status_code == 401

    paid = await finance.ok(
        "markSettlementBatchPaid",
        {"batchId": batch["id"], "reference": "SEPA-42"},
        "batch { status paymentReference }",
    )
    assert paid["batch"] == {"status": "PAID", "paymentReference": "SEPA-42"}
    audit = await finance.data("{ ledgerAudit { ok checks { name ok } } }")
    assert audit["ledgerAudit"]["ok"] is True


def _db_id(global_id: str) -> int:
    return expect_global_id(global_id, "SettlementBatch")
