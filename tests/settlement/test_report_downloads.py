"""The reports as files: the program report's CSVs and printable page, and the liability CSV,
by signed link or API key; a partner gets only its own."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
from program_support import NOV, OCT, SEP, worked_example
from settlement_support import Coalition
from test_program_report_api import period
from test_settlement_api import Api, key_for

from exchange.gateway.report_pages import stamp

URLS = (
    "query($from: DateTime!, $to: DateTime!) { programReport(from: $from, to: $to) {"
    " csvUrl cohortsCsvUrl htmlUrl } }"
)
PROGRAM = f"/reports/program/{stamp(OCT)}/{stamp(NOV)}"


def rows(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(response.text)))


async def test_program_csvs_and_page_by_signed_link(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    await worked_example(coalition)
    finance = Api(client, await key_for(coalition.pool, "finance"))
    urls = (await finance.data(URLS, period(OCT, NOV)))["programReport"]
    assert urls["csvUrl"].startswith(f"{PROGRAM}/program.csv?expires=")

    figures = rows(await client.get(urls["csvUrl"]))  # no API key: the link is signed
    assert [row["partner"] for row in figures] == ["CAFE", "SHOP", "COALITION"]
    cafe, _, whole = figures
    assert {k: cafe[k] for k in ("points_issued", "issued_value", "average_basket")} == {
        "points_issued": "85",
        "issued_value": "1.02",
        "average_basket": "15.91",
    }
    assert (whole["active_members"], whole["churn_percent"], whole["purchase_frequency"]) == (
        "2",
        "50.0",
        "2.00",
    )
    assert (whole["period_start"], whole["currency"]) == ("2026-10-01T00:00:00+00:00", "EUR")

    cohorts = rows(await client.get(urls["cohortsCsvUrl"]))
    assert cohorts == [
        {
            "cohort": "2026-10",
            "members": "1",
            "month": "2026-10",
            "months_after": "0",
            "active_members": "1",
            "retention_percent": "100.0",
        }
    ]
    page = await client.get(urls["htmlUrl"])
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "Program report" in page.text and page.text.count("<svg") == 3
    assert "18.18 EUR" in page.text and "Coalition" in page.text

    tampered = await client.get(urls["csvUrl"].replace("signature=", "signature=0"))
    assert tampered.status_code == 401
    other_period = urls["csvUrl"].replace(stamp(OCT), stamp(SEP))  # signed for October only
    assert (await client.get(other_period)).status_code == 401


async def test_a_partner_downloads_its_own_numbers_only(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    program = await worked_example(coalition)
    shop = Api(client, await key_for(coalition.pool, "partner", program.shop))
    auth = {"Authorization": f"Bearer {shop.key}"}
    urls = (await shop.data(URLS, period(OCT, NOV)))["programReport"]
    assert urls["csvUrl"].startswith(f"{PROGRAM}/partners/SHOP/program.csv?")
    assert [row["partner"] for row in rows(await client.get(urls["csvUrl"]))] == ["SHOP"]

    own = rows(await client.get(f"{PROGRAM}/program.csv", headers=auth))  # the key's own
    assert [(row["partner"], row["points_issued"]) for row in own] == [("SHOP", "25")]
    other = await client.get(f"{PROGRAM}/partners/CAFE/program.csv", headers=auth)
    assert other.status_code == 404 and other.json()["error"]["code"] == "PARTNER_NOT_FOUND"
    assert (await client.get(f"{PROGRAM}/program.csv")).status_code == 401  # no key, no link


async def test_bad_paths_are_refused(coalition: Coalition, client: httpx.AsyncClient) -> None:
    auth = {"Authorization": f"Bearer {await key_for(coalition.pool, 'finance')}"}
    backwards = await client.get(
        f"/reports/program/{stamp(NOV)}/{stamp(OCT)}/program.csv", headers=auth
    )
    assert backwards.status_code == 400 and backwards.json()["error"]["code"] == "INVALID_INPUT"
    garbled = await client.get(f"/reports/program/yesterday/{stamp(OCT)}/program.csv", headers=auth)
    assert garbled.status_code == 400
    assert (await client.get(f"{PROGRAM}/program.pdf", headers=auth)).status_code == 404
    future = await client.get("/reports/liability/2999-01-01T00:00:00Z/liability.csv", headers=auth)
    assert future.status_code == 400


async def test_liability_csv(coalition: Coalition, client: httpx.AsyncClient) -> None:
    program = await worked_example(coalition)
    finance = Api(client, await key_for(coalition.pool, "finance"))
    query = "query($asOf: DateTime) { liabilityReport(asOf: $asOf) { csvUrl } }"
    url = (await finance.data(query, {"asOf": stamp(NOV)}))["liabilityReport"]["csvUrl"]
    assert url.startswith(f"/reports/liability/{stamp(NOV)}/liability.csv?")
    lines = [
        (row["kind"], row["issuer"], row["expiry_month"], row["points"], row["value"])
        for row in rows(await client.get(url))
    ]
    # CAFE: Ana's 11 and Chloe's 24 expire in November (30 days); SHOP's 125 next autumn
    assert lines == [
        ("OUTSTANDING", "CAFE", "2026-11", "35", "0.42"),
        ("OUTSTANDING", "SHOP", "2027-09", "100", "1"),
        ("OUTSTANDING", "SHOP", "2027-10", "25", "0.25"),
        ("BREAKAGE", "CAFE", "", "20", "0.24"),
    ]
    shop = Api(client, await key_for(coalition.pool, "partner", program.shop))
    own = (await shop.data(query, {"asOf": stamp(NOV)}))["liabilityReport"]["csvUrl"]
    assert [row["issuer"] for row in rows(await client.get(own))] == ["SHOP", "SHOP"]
