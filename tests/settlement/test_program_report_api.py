"""The program report over GraphQL on the worked example (program_support): staff see every
partner and the coalition, a partner key its own; survey answers recorded through
recordSurveyAnswer make the NPS; bad periods are INVALID_INPUT."""

from __future__ import annotations

from typing import Any

import httpx
from program_support import NOV, OCT, SEP, Program, day, worked_example
from settlement_support import Coalition
from test_settlement_api import Api, key_for

from exchange.gateway.report_pages import stamp
from exchange.kit.ids import to_global_id

FIGURES = (
    "partnerCode pointsIssued issuedValue { amount } pointsRedeemed redeemedValue { amount }"
    " pointsExpired breakageValue { amount } outstandingPoints outstandingValue { amount }"
    " activeMembers purchases averageBasket { amount currency } purchaseFrequency"
    " previouslyActiveMembers churnedMembers churnPercent"
    " nps { answers promoters passives detractors score }"
)
REPORT = (
    "query($from: DateTime!, $to: DateTime!) { programReport(from: $from, to: $to) {"
    f" from to currency partners {{ {FIGURES} }} coalition {{ {FIGURES} }}"
    " cohorts { month members months { month monthsAfter activeMembers retentionPercent } }"
    " csvUrl cohortsCsvUrl htmlUrl } }"
)
ANSWER = "surveyAnswer { id score comment answeredAt member { id } }"


def period(start: Any, end: Any) -> dict[str, str]:
    return {"from": stamp(start), "to": stamp(end)}


async def answer(api: Api, member: int, score: int, at: Any, key: str) -> dict[str, Any]:
    return await api.mutate(
        "recordSurveyAnswer",
        {
            "memberId": to_global_id("Member", member),
            "score": score,
            "answeredAt": stamp(at),
            "idempotencyKey": key,
        },
        ANSWER,
    )


async def record_answers(client: httpx.AsyncClient, coalition: Coalition, p: Program) -> None:
    """October: SHOP hears 10, 9 and 2; CAFE 9 and 7; the operator 6 (no partner). September:
    the operator hears 0 (outside the period)."""
    pool = coalition.pool
    shop = Api(client, await key_for(pool, "partner", p.shop))
    cafe = Api(client, await key_for(pool, "partner", p.cafe))
    finance = Api(client, await key_for(pool, "finance"))
    answers = [
        (shop, p.ana, 10, day(OCT, 4)),
        (shop, p.ben, 9, day(OCT, 5)),
        (shop, p.ana, 2, day(OCT, 6)),
        (cafe, p.chloe, 9, day(OCT, 9)),
        (cafe, p.ana, 7, day(OCT, 21)),
        (finance, p.ben, 6, day(OCT, 30)),
        (finance, p.ben, 0, day(SEP, 30)),
    ]
    for number, (api, member, score, at) in enumerate(answers):
        done = await answer(api, member, score, at, f"nps-{number}")
        assert done["userErrors"] == [], done


def money(amount: str) -> dict[str, str]:
    return {"amount": amount}


async def test_staff_see_every_partner_and_the_coalition(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    program = await worked_example(coalition)
    await record_answers(client, coalition, program)
    finance = Api(client, await key_for(coalition.pool, "finance"))

    report = (await finance.data(REPORT, period(OCT, NOV)))["programReport"]
    assert (report["from"], report["to"], report["currency"]) == (
        "2026-10-01T00:00:00+00:00",
        "2026-11-01T00:00:00+00:00",
        "EUR",
    )
    cafe, shop = report["partners"]
    whole = report["coalition"]
    assert [cafe["partnerCode"], shop["partnerCode"], whole["partnerCode"]] == [
        "CAFE",
        "SHOP",
        None,
    ]
    assert whole["pointsIssued"] == 110 and whole["issuedValue"] == money("1.27")
    assert cafe["redeemedValue"] == money("0.45") and cafe["breakageValue"] == money("0.24")
    assert whole["outstandingValue"] == money("1.67")
    assert [row["averageBasket"] for row in (cafe, shop, whole)] == [
        {"amount": "15.91", "currency": "EUR"},  # 47.74 / 3
        {"amount": "25.00", "currency": "EUR"},
        {"amount": "18.18", "currency": "EUR"},  # 72.74 / 4 = 18.185, half-even
    ]
    assert [row["purchaseFrequency"] for row in (cafe, shop, whole)] == ["1.50", "1.00", "2.00"]
    assert [row["churnPercent"] for row in (cafe, shop, whole)] == ["100.0", "50.0", "50.0"]
    # SHOP: 2 promoters, 1 detractor of 3; CAFE: 1 promoter, 1 passive; the coalition adds
    # the operator's 6 (a detractor): 3 - 2 of 6 answers = 16.666... %
    assert [row["nps"] for row in (cafe, shop, whole)] == [
        {"answers": 2, "promoters": 1, "passives": 1, "detractors": 0, "score": "50.0"},
        {"answers": 3, "promoters": 2, "passives": 0, "detractors": 1, "score": "33.3"},
        {"answers": 6, "promoters": 3, "passives": 1, "detractors": 2, "score": "16.7"},
    ]
    assert report["cohorts"] == [
        {
            "month": "2026-10",
            "members": 1,
            "months": [
                {
                    "month": "2026-10",
                    "monthsAfter": 0,
                    "activeMembers": 1,
                    "retentionPercent": "100.0",
                }
            ],
        }
    ]
    two_months = (await finance.data(REPORT, period(SEP, NOV)))["programReport"]["cohorts"]
    assert [[m["retentionPercent"] for m in c["months"]] for c in two_months] == [
        ["100.0", "50.0"],
        ["100.0"],
    ]


async def test_a_partner_sees_only_its_own_numbers(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    program = await worked_example(coalition)
    await record_answers(client, coalition, program)
    shop = Api(client, await key_for(coalition.pool, "partner", program.shop))

    report = (await shop.data(REPORT, period(SEP, NOV)))["programReport"]
    assert report["coalition"] is None
    (own,) = report["partners"]
    assert own["partnerCode"] == "SHOP"
    # September and October: 40 + 60 + 25 issued, Ana and Ben active, 3 purchases of 125.00
    assert (own["pointsIssued"], own["activeMembers"], own["purchases"]) == (125, 2, 3)
    assert own["averageBasket"]["amount"] == "41.67"  # 125.00 / 3
    assert own["nps"]["answers"] == 3
    # the members SHOP enrolled (Ana, Ben in September), active at SHOP
    assert [(c["month"], c["members"]) for c in report["cohorts"]] == [
        ("2026-09", 2),
        ("2026-10", 0),
    ]
    assert "/partners/SHOP/" in report["csvUrl"]


async def test_survey_answers_are_checked(coalition: Coalition, client: httpx.AsyncClient) -> None:
    program = await worked_example(coalition)
    shop = Api(client, await key_for(coalition.pool, "partner", program.shop))
    member = to_global_id("Member", program.ana)
    base = {"memberId": member, "score": 8, "idempotencyKey": "a-1"}

    done = await shop.ok("recordSurveyAnswer", {**base, "comment": "Quick at the till"}, ANSWER)
    again = await shop.ok("recordSurveyAnswer", {**base, "comment": "Quick at the till"}, ANSWER)
    assert again["surveyAnswer"] == done["surveyAnswer"]
    assert done["surveyAnswer"]["member"] == {"id": member}
    conflict = await shop.refused("recordSurveyAnswer", {**base, "score": 9})
    assert conflict["code"] == "IDEMPOTENCY_CONFLICT"
    for bad, field in (
        ({"score": 11}, "score"),
        ({"score": -1}, "score"),
        ({"answeredAt": "2999-01-01T00:00:00Z"}, "answeredAt"),
        ({"comment": "x" * 2001}, "comment"),
    ):
        refused = await shop.refused("recordSurveyAnswer", {**base, **bad, "idempotencyKey": "b"})
        assert (refused["code"], refused["field"]) == ("INVALID_INPUT", [field])
    chloe = to_global_id("Member", program.chloe)  # enrolled at CAFE, never shown to SHOP
    hidden = await shop.refused(
        "recordSurveyAnswer", {**base, "memberId": chloe, "idempotencyKey": "c"}
    )
    assert (hidden["code"], hidden["field"]) == ("MEMBER_NOT_FOUND", ["memberId"])


async def test_bad_periods_are_invalid_input(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    finance = Api(client, await key_for(coalition.pool, "finance"))
    for start, end, field in (
        (NOV, OCT, "to"),
        (OCT, OCT, "to"),
        (OCT, OCT.replace(year=2030), "to"),
    ):
        result = await finance.call(REPORT, period(start, end))
        (error,) = result["errors"]
        assert error["extensions"] == {"code": "INVALID_INPUT", "field": [field]}
    naive = await finance.post(REPORT, {"from": "2026-10-01T00:00:00", "to": stamp(NOV)})
    assert naive.status_code == 400  # the DateTime scalar wants an offset
    assert naive.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_an_empty_ledger_reports_zeros(
    coalition: Coalition, client: httpx.AsyncClient
) -> None:
    finance = Api(client, await key_for(coalition.pool, "finance"))
    report = (await finance.data(REPORT, period(OCT, NOV)))["programReport"]
    assert report["partners"] == []
    whole = report["coalition"]
    assert (whole["pointsIssued"], whole["activeMembers"], whole["churnPercent"]) == (0, 0, "0.0")
    assert whole["averageBasket"] == {"amount": "0.00", "currency": "EUR"}
    assert whole["nps"] == {
        "answers": 0,
        "promoters": 0,
        "passives": 0,
        "detractors": 0,
        "score": "0.0",
    }
    assert report["cohorts"][0]["months"][0]["retentionPercent"] == "0.0"
