"""Referral over GraphQL, with real numbers: the program pays the referrer 500 and the
referred member 250 on the referred member's first earn of at least 100 points (the operator
funds both, the lots live 365 days). Ben enrols with Ana's code; his earn of 99 points does not
qualify, his earn of exactly 100 does; the payout pays both once, and later earns nothing more.
A self-referral (Ana's own Gmail mailbox spelled another way, or her phone) and an unknown code
refuse the enrolment with nothing written. Simultaneous first purchases pay once. The program
is program-wide: a database of its own."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import httpx
import pytest
from bonus_support import member, partner
from gateway_support import Api, member_gid, new_key, row_counts

from exchange.kit import clock
from exchange.kit.db import Pool, transaction
from exchange.ledger.audit import run_audit
from partners.referrals import payouts

PROGRAM = {"referrerPoints": 500, "referredPoints": 250, "minimumPoints": 100, "validityDays": 365}
ENROLLED = "member { id balance }"
BALANCE = "query($id: ID!) { member(id: $id) { balance referralCode } }"


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


async def earn(api: Api, member_id: str, amount: str) -> int:
    done = await api.ok(
        "earnPoints",
        {"memberId": member_id, "amount": eur(amount), "idempotencyKey": new_key("earn")},
        "transaction { points }",
    )
    return int(done["transaction"]["points"])


async def balance(api: Api, member_id: str) -> int:
    return int((await api.data(BALANCE, {"id": member_id}))["member"]["balance"])


async def referral(pool: Pool, referred: str) -> dict[str, Any]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT r.status, r.qualifying_entry_id, e.points AS qualifying_points"
            " FROM referrals r LEFT JOIN journal_entries e ON e.id = r.qualifying_entry_id"
            " WHERE r.member_id = (SELECT id FROM members WHERE email = %s)",
            (referred,),
        )
        row = await cur.fetchone()
    assert row is not None
    return dict(row)


async def audit_ok(pool: Pool) -> None:
    async with transaction(pool) as conn:
        assert [check.name for check in await run_audit(conn) if not check.ok] == []


@pytest.fixture
async def fuel(fresh_client: httpx.AsyncClient, fresh_pool: Pool) -> tuple[int, Api]:
    return await partner(fresh_client, fresh_pool, "FUEL")  # 1 point per EUR


async def enrol(api: Api, email: str, code: str | None, **more: str) -> dict[str, Any]:
    return await api.mutate(
        "enrollMember", {"email": email, "referralCode": code, **more}, ENROLLED
    )


async def test_a_referral_pays_both_once_on_the_first_qualifying_purchase(
    fresh_admin: Api, fresh_pool: Pool, fuel: tuple[int, Api]
) -> None:
    done = await fresh_admin.ok(
        "setReferralProgram",
        {**PROGRAM, "idempotencyKey": "referral-1"},
        "referralProgram { version referrerPoints referredPoints minimumPoints validityDays }",
    )
    assert done["referralProgram"] == {"version": 1, **PROGRAM}
    fuel_id, till = fuel
    ana = member_gid(
        await member(fresh_pool, fuel_id, email="anab@gmail.com", phone="+37360000001")
    )
    code = (await fresh_admin.data(BALANCE, {"id": ana}))["member"]["referralCode"]
    assert len(code) == 10 and code.isalnum()
    assert (await till.data(BALANCE, {"id": ana}))["member"]["referralCode"] is None  # partners

    # the code as a member may type it: lower case, in two halves
    ben = await enrol(till, "ben@example.com", f"{code[:5].lower()}-{code[5:].lower()}")
    assert ben["userErrors"] == []
    ben_id = ben["member"]["id"]
    assert await earn(till, ben_id, "99.00") == 99  # one point short of qualifying
    assert (await referral(fresh_pool, "ben@example.com"))["status"] == "PENDING"
    assert await earn(till, ben_id, "100.00") == 100  # exactly the minimum: qualifies
    assert await referral(fresh_pool, "ben@example.com") == {
        "status": "QUALIFIED",
        "qualifying_entry_id": (await referral(fresh_pool, "ben@example.com"))[
            "qualifying_entry_id"
        ],
        "qualifying_points": 100,
    }
    paid = await payouts.pay_qualified(fresh_pool, now=clock.now())
    assert paid == payouts.Paid(referrals=1, points=750)
    assert await balance(till, ana) == 500
    assert await balance(till, ben_id) == 99 + 100 + 250
    # later purchases and payout runs pay nothing more
    assert await earn(till, ben_id, "300.00") == 300
    assert await payouts.pay_qualified(fresh_pool, now=clock.now()) == payouts.Paid(0, 0)
    assert (await balance(till, ana), await balance(till, ben_id)) == (500, 749)
    assert (await referral(fresh_pool, "ben@example.com"))["status"] == "COMPLETED"

    async with transaction(fresh_pool) as conn:
        cur = await conn.execute(
            "SELECT e.member_id, e.kind, e.partner_id, e.points, e.reason,"
            " e.details -> 'referral' ->> 'role' AS role,"
            " e.details -> 'referral' ->> 'fundedBy' AS funded_by,"
            " l.issuer_partner_id, l.expires_at - e.posted_at AS lives"
            " FROM journal_entries e JOIN lots l ON l.entry_id = e.id"
            " WHERE e.kind = 'BONUS' ORDER BY e.id"
        )
        rows = [dict(row) for row in await cur.fetchall()]
    assert [(r["role"], r["points"], r["partner_id"], r["issuer_partner_id"]) for r in rows] == [
        ("REFERRER", 500, None, None),
        ("REFERRED", 250, None, None),
    ]
    assert {r["funded_by"] for r in rows} == {"OPERATOR"}
    assert {r["lives"] for r in rows} == {timedelta(days=365)}
    await audit_ok(fresh_pool)


async def test_self_referrals_and_unknown_codes_refuse_the_enrolment(
    fresh_admin: Api, fresh_pool: Pool, fuel: tuple[int, Api]
) -> None:
    fuel_id, till = fuel
    ana = member_gid(
        await member(fresh_pool, fuel_id, email="ana.b@gmail.com", phone="+37360000001")
    )
    code = (await fresh_admin.data(BALANCE, {"id": ana}))["member"]["referralCode"]
    before = await row_counts(fresh_pool)
    refused = await enrol(till, "AnaB+second@googlemail.com", code)  # her mailbox
    assert refused["member"] is None
    assert [(e["code"], e["field"]) for e in refused["userErrors"]] == [
        ("SELF_REFERRAL", ["referralCode"])
    ]
    # her phone (or email, or card) as such is another member's already
    same_phone = await enrol(till, "ana2@example.com", code, phone="+37360000001")
    assert [e["code"] for e in same_phone["userErrors"]] == ["MEMBER_ALREADY_ENROLLED"]
    unknown = await enrol(till, "cleo@example.com", "0000000000")
    assert [e["code"] for e in unknown["userErrors"]] == ["REFERRAL_CODE_NOT_FOUND"]
    bad = await enrol(till, "cleo@example.com", "not a code!")
    assert [(e["code"], e["field"]) for e in bad["userErrors"]] == [
        ("INVALID_INPUT", ["referralCode"])
    ]
    assert await row_counts(fresh_pool) == before  # no member was enrolled
    # another mailbox is no self-referral
    assert (await enrol(till, "anab.sister@gmail.com", code))["userErrors"] == []


@pytest.mark.slow
async def test_simultaneous_first_purchases_pay_once(
    fresh_admin: Api, fresh_pool: Pool, fuel: tuple[int, Api]
) -> None:
    await fresh_admin.ok("setReferralProgram", {**PROGRAM, "idempotencyKey": "r"}, "__typename")
    fuel_id, till = fuel
    ana = member_gid(await member(fresh_pool, fuel_id, email="ana@example.com"))
    code = (await fresh_admin.data(BALANCE, {"id": ana}))["member"]["referralCode"]
    referred = []
    for n in range(4):
        enrolled = await enrol(till, f"friend{n}@example.com", code)
        referred.append(enrolled["member"]["id"])
    # each friend makes three first purchases at once; three gateways pay at once, twice
    await asyncio.gather(*(earn(till, friend, "150.00") for friend in referred for _ in range(3)))
    runs = await asyncio.gather(
        *(payouts.pay_qualified(fresh_pool, now=clock.now()) for _ in range(3))
    )
    assert sum(run.referrals for run in runs) == 4
    assert sum(run.points for run in runs) == 4 * 750
    assert await balance(till, ana) == 4 * 500
    assert [await balance(till, friend) for friend in referred] == [450 + 250] * 4
    async with transaction(fresh_pool) as conn:
        cur = await conn.execute("SELECT count(*) AS n FROM journal_entries WHERE kind = 'BONUS'")
        row = await cur.fetchone()
    assert row is not None and row["n"] == 8
    await audit_ok(fresh_pool)
