"""A worked example: twelve lines with a mix of good and bad ones, in JSONL and in CSV."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from import_support import (
    audit_failures,
    balance_of,
    import_file,
    member_gid,
    new_key,
    row_counts,
    write_file,
)

from exchange.kit.db import Pool, transaction
from exchange.ledger import members

AT = "2026-11-20T10:00:00+02:00"
EARN = (
    "mutation($input: EarnPointsInput!) { earnPoints(input: $input)"
    " { transaction { id points } userErrors { code } } }"
)


async def single_earn(client: httpx.AsyncClient, secret: str, **input: Any) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": EARN, "variables": {"input": input}},
        headers={"Authorization": f"Bearer {secret}"},
    )
    payload: dict[str, Any] = response.json()["data"]["earnPoints"]
    assert payload["userErrors"] == [], payload
    return payload


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


async def scene(pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any):  # type: ignore[no-untyped-def]
    partner, other = await make_partner(earn_rate="1"), await make_partner()
    card = members.new_card_number()
    external = f"ext-{new_key()}"
    m1 = await make_member(partner)
    m2 = await make_member(partner, card_number=card)
    m3 = await make_member(partner, external_id=external)
    stranger = await make_member(other)
    closed = await make_member(partner)
    async with transaction(pool) as conn:
        await members.close(conn, closed, datetime.now(UTC))
    same, different = new_key("single"), new_key("single")
    secret = partner.key.secret
    await single_earn(
        client,
        secret,
        memberId=member_gid(m1),
        amount=money("7.00"),
        orderId="o-same",
        occurredAt=AT,
        idempotencyKey=same,
    )
    await single_earn(
        client,
        secret,
        memberId=member_gid(m1),
        amount=money("8.00"),
        orderId="o-diff",
        occurredAt=AT,
        idempotencyKey=different,
    )
    k = [new_key() for _ in range(13)]
    basket = [{"category": "fuel", "amount": "6.00"}, {"category": "shop", "amount": "4.00"}]
    first = {
        "memberId": member_gid(m1),
        "orderId": "o1",
        "amount": "10.00",
        "currency": "EUR",
        "lines": basket,
        "occurredAt": AT,
        "idempotencyKey": k[1],
    }
    records = [
        first,
        {
            "cardNumber": card,
            "orderId": "o2",
            "amount": "20.50",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[2],
        },
        {
            "externalId": external,
            "orderId": "o3",
            "amount": "5.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[3],
        },
        {
            "memberId": member_gid(stranger),
            "amount": "5.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[4],
        },
        {
            "memberId": member_gid(m1),
            "amount": "-3",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[5],
        },
        {
            "memberId": member_gid(m1),
            "amount": "3.00",
            "currency": "USD",
            "occurredAt": AT,
            "idempotencyKey": k[6],
        },
        {
            "memberId": member_gid(closed),
            "amount": "3.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[7],
        },
        dict(first),
        {
            "cardNumber": card,
            "orderId": "o2",
            "amount": "99.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[2],
        },
        {
            "memberId": member_gid(m1),
            "orderId": "o-same",
            "amount": "7.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": same,
        },
        {
            "memberId": member_gid(m1),
            "orderId": "o-diff",
            "amount": "9.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": different,
        },
        {
            "memberId": member_gid(m1),
            "orderId": "o12",
            "amount": "2.00",
            "currency": "EUR",
            "occurredAt": AT,
            "idempotencyKey": k[12],
        },
    ]
    expected_errors = [
        (4, k[4], "MEMBER_NOT_FOUND"),
        (5, k[5], "INVALID_AMOUNT"),
        (6, k[6], "UNSUPPORTED_CURRENCY"),
        (7, k[7], "MEMBER_CLOSED"),
        (9, k[2], "IDEMPOTENCY_CONFLICT"),
        (11, different, "IDEMPOTENCY_CONFLICT"),
    ]
    return partner, (m1, m2, m3), records, expected_errors


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
async def test_worked_example(
    pool: Pool,
    client: httpx.AsyncClient,
    make_partner: Any,
    make_member: Any,
    tmp_path: Path,
    suffix: str,
) -> None:
    partner, (m1, m2, m3), records, expected = await scene(pool, client, make_partner, make_member)
    path = write_file(tmp_path / f"earns{suffix}", records)
    offset = 1 if suffix == ".csv" else 0  # the header is line 1 of a CSV file
    job, errors = await import_file(pool, partner.id, path, chunk_lines=3)
    assert (job.status, job.lines_total, job.lines_posted) == ("SUCCEEDED", 12, 4)
    assert (job.lines_already, job.lines_rejected) == (2, 6)
    assert [(e.line_no, e.idempotency_key, e.code) for e in errors] == [
        (line + offset, key, code) for line, key, code in expected
    ]
    assert all(error.message for error in errors)
    assert (await balance_of(pool, m1))["balance"] == 7 + 8 + 10 + 2
    assert (await balance_of(pool, m1))["seq"] == 4
    assert (await balance_of(pool, m2))["balance"] == 20
    assert (await balance_of(pool, m3))["balance"] == 5
    assert await audit_failures(pool) == []

    before = await row_counts(pool)
    again, again_errors = await import_file(pool, partner.id, path)
    assert (again.lines_posted, again.lines_already, again.lines_rejected) == (0, 6, 6)
    assert [e.code for e in again_errors] == [code for _, _, code in expected]
    assert await row_counts(pool) == before


async def test_imported_earn_looks_like_a_single_one(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    member = await make_member(partner)
    await single_earn(
        client,
        partner.key.secret,
        memberId=member_gid(member),
        amount=money("3.00"),
        idempotencyKey=new_key(),
    )
    record = {
        "memberId": member_gid(member),
        "orderId": "o",
        "amount": "4.00",
        "currency": "EUR",
        "idempotencyKey": new_key(),
    }
    job, _ = await import_file(pool, partner.id, write_file(tmp_path / "one.jsonl", [record]))
    assert job.lines_posted == 1
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT e.payload, j.reason, j.details, j.earn_rate, j.issue_price"
            " FROM outbox_events e JOIN journal_entries j ON j.id = e.entry_id"
            " WHERE e.member_id = %s ORDER BY e.id",
            (member,),
        )
        single, imported = await cur.fetchall()
    assert set(single["payload"]) == set(imported["payload"])
    assert set(single["payload"]["data"]) == set(imported["payload"]["data"])
    assert imported["payload"]["data"]["memberSequence"] == 2
    assert imported["payload"]["data"]["balance"] == 7
    assert imported["reason"] == "Purchase 4.00 EUR"
    assert single["details"].keys() == imported["details"].keys()
    assert (single["earn_rate"], single["issue_price"]) == (
        imported["earn_rate"],
        imported["issue_price"],
    )
