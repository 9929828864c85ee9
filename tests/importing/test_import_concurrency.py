"""An import runs alongside single earns and burns of the same members: the member locks
serialize them, every balance adds up and the audit holds."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
from import_support import (
    audit_failures,
    balance_of,
    earn_line,
    gql,
    import_file,
    member_gid,
    new_key,
    write_file,
)

from exchange.kit.db import Pool

EARN = "mutation($input: EarnPointsInput!) { earnPoints(input: $input) { userErrors { code } } }"
BURN = "mutation($input: BurnPointsInput!) { burnPoints(input: $input) { userErrors { code } } }"


async def test_import_alongside_single_earns_and_burns(
    pool: Pool, client: httpx.AsyncClient, make_partner: Any, make_member: Any, tmp_path: Path
) -> None:
    partner = await make_partner()
    secret = partner.key.secret
    people = [await make_member(partner) for _ in range(5)]
    for member in people:
        await gql(
            client,
            secret,
            EARN,
            {
                "input": {
                    "memberId": member_gid(member),
                    "amount": {"amount": "100.00", "currency": "EUR"},
                    "idempotencyKey": new_key(),
                }
            },
        )
    records = [earn_line(people[i % 5], "2.00") for i in range(600)]
    path = write_file(tmp_path / "busy.jsonl", records)

    async def singles() -> None:
        for round_ in range(20):
            member = member_gid(people[round_ % 5])
            earned = await gql(
                client,
                secret,
                EARN,
                {
                    "input": {
                        "memberId": member,
                        "amount": {"amount": "1.00", "currency": "EUR"},
                        "idempotencyKey": new_key(),
                    }
                },
            )
            burned = await gql(
                client,
                secret,
                BURN,
                {"input": {"memberId": member, "points": 3, "idempotencyKey": new_key()}},
            )
            assert earned["earnPoints"]["userErrors"] == []
            assert burned["burnPoints"]["userErrors"] == []

    (job, errors), _ = await asyncio.gather(
        import_file(pool, partner.id, path, chunk_lines=50), singles()
    )
    assert (job.lines_posted, errors) == (600, [])
    balances = [(await balance_of(pool, member))["balance"] for member in people]
    assert sum(balances) == 5 * 100 + 600 * 2 + 20 * (1 - 3)
    for member in people:
        state = await balance_of(pool, member)
        assert state["seq"] == 1 + 120 + 8
    assert await audit_failures(pool) == []
