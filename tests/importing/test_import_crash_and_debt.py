"""A crash mid-import leaves whole chunks only, and a re-run completes it; a debt is paid
first from imported points, line by line, as single earns would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from import_support import (
    audit_failures,
    balance_of,
    earn_line,
    gql,
    import_file,
    member_gid,
    new_key,
    row_counts,
    write_file,
)

from exchange.kit.db import Pool, transaction
from partners.importing import Progress


class Crash(Exception):
    pass


def crash_after_first_chunk(progress: Progress) -> None:
    if progress.phase == "posting" and progress.done > 0:
        raise Crash("the process died")


async def test_a_crash_leaves_whole_chunks_and_a_rerun_completes(
    pool: Pool, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    people = [await make_member(partner) for _ in range(3)]
    records = [earn_line(people[i % 3], f"{i + 1}.00") for i in range(10)]
    path = write_file(tmp_path / "crash.jsonl", records)
    before = await row_counts(pool)
    with pytest.raises(Crash):
        await import_file(pool, partner.id, path, chunk_lines=4, hook=crash_after_first_chunk)
    after_crash = await row_counts(pool)
    assert after_crash["journal_entries"] - before["journal_entries"] == 4
    assert after_crash["idempotency_records"] - before["idempotency_records"] == 4
    assert after_crash["postings"] - before["postings"] == 8
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT status, failure FROM import_jobs WHERE partner_id = %s", (partner.id,)
        )
        (job,) = await cur.fetchall()
    assert job["status"] == "FAILED" and "Crash" in job["failure"]
    assert await audit_failures(pool) == []

    job, errors = await import_file(pool, partner.id, path, chunk_lines=4)
    assert (job.lines_posted, job.lines_already, job.lines_rejected, errors) == (6, 4, 0, [])
    total = sum(range(1, 11))
    balances = [(await balance_of(pool, member))["balance"] for member in people]
    assert sum(balances) == total
    assert await audit_failures(pool) == []


EARN = (
    "mutation($input: EarnPointsInput!) { earnPoints(input: $input)"
    " { transaction { id } userErrors { code } } }"
)
BURN = "mutation($input: BurnPointsInput!) { burnPoints(input: $input) { userErrors { code } } }"
REVERSE = (
    "mutation($input: ReverseEarnInput!) { reverseEarn(input: $input)"
    " { member { debtPoints } userErrors { code } } }"
)


async def test_imported_points_pay_a_debt_first(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    secret = partner.key.secret
    member = await make_member(partner)
    earned = await gql(
        client,
        secret,
        EARN,
        {
            "input": {
                "memberId": member_gid(member),
                "amount": {"amount": "10.00", "currency": "EUR"},
                "idempotencyKey": new_key(),
            }
        },
    )
    transaction_id = earned["earnPoints"]["transaction"]["id"]
    await gql(
        client,
        secret,
        BURN,
        {"input": {"memberId": member_gid(member), "points": 8, "idempotencyKey": new_key()}},
    )
    reversed_ = await gql(
        client,
        secret,
        REVERSE,
        {"input": {"transactionId": transaction_id, "idempotencyKey": new_key()}},
    )
    assert reversed_["reverseEarn"]["member"]["debtPoints"] == 8
    records = [earn_line(member, "5.00"), earn_line(member, "6.00")]
    job, _ = await import_file(pool, partner.id, write_file(tmp_path / "d.csv", records))
    assert job.lines_posted == 2
    state = await balance_of(pool, member)
    assert (state["balance"], state["debt"]) == (2 - 10 + 11, 0)
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT c.points, l.points AS lot_points, l.remaining FROM lot_consumptions c"
            " JOIN lots l ON l.id = c.lot_id WHERE c.member_id = %s AND c.kind = 'DEBT'"
            " ORDER BY c.id",
            (member,),
        )
        repaid = [tuple(row.values()) for row in await cur.fetchall()]
    assert repaid == [(5, 5, 0), (3, 6, 3)]
    assert await audit_failures(pool) == []
