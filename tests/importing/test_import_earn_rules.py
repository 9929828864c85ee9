"""The bulk import prices lines by the earn rules as earnPoints does: category rates and
exclusions, the cap per member per day in line order, and lines priced with a version that
changed while the file was imported refused so that a new import prices them anew."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from import_support import audit_failures, balance_of, import_file, member_gid, new_key, write_file

from exchange.kit.db import Pool, transaction
from exchange.kit.money import Money
from exchange.ledger.outcome import Request
from partners import earn_rule_versions, importing, purchases
from partners.earn_rules.rule_sets import CategoryRate, Terms
from partners.rules import Line

FUEL_STATION = Terms(
    base_rate=Decimal("0.05"),
    category_rates=(CategoryRate("fuel", Decimal("0.1")), CategoryRate("shop", Decimal("0.3"))),
    excluded_categories=("gift_card",),
    cap_per_member_per_day=10,
)
BASKET = [
    {"category": "fuel", "amount": "45.00"},
    {"category": "shop", "amount": "12.50"},
    {"category": "gift_card", "amount": "20.00"},
]


async def set_rules(pool: Pool, code: str, terms: Terms) -> None:
    async with transaction(pool) as conn:
        await earn_rule_versions.add_version(
            conn,
            earn_rule_versions.NewVersion(code, None, terms),
            caller="test",
            key=None,
            actor="test",
            now=datetime.now(UTC),
        )


def purchase(member: int, amount: str, lines: list[dict[str, str]] | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "memberId": member_gid(member),
        "amount": amount,
        "currency": "EUR",
        "idempotencyKey": new_key(),
    }
    if lines is not None:
        record["lines"] = lines
    return record


async def entries(pool: Pool, member: int) -> list[tuple[int, dict[str, Any]]]:
    async with transaction(pool) as conn:
        cur = await conn.execute(
            "SELECT points, details FROM journal_entries WHERE member_id = %s AND kind = 'EARN'"
            " ORDER BY id",
            (member,),
        )
        return [(row["points"], row["details"]) for row in await cur.fetchall()]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
async def test_lines_earn_by_category_and_the_daily_cap_clamps_in_line_order(
    pool, make_partner, make_member, tmp_path: Path, suffix: str
):
    partner = await make_partner()
    ana, ben = await make_member(partner), await make_member(partner)
    await set_rules(pool, partner.code, FUEL_STATION)
    fuel = [{"category": "fuel", "amount": "45.00"}]
    records = [
        purchase(ana, "77.50", BASKET),  # 4 + 3 + 0
        purchase(ben, "45.00", fuel),  # 4
        purchase(ben, "45.00", fuel),  # 4
        purchase(ben, "45.00", fuel),  # 4, of which 2 fit under the cap of 10
        purchase(ben, "45.00", fuel),  # nothing left of the day
    ]
    path = write_file(tmp_path / f"rules{suffix}", records)

    job, errors = await import_file(pool, partner.id, path)

    assert (job.lines_posted, errors) == (5, [])
    assert [points for points, _ in await entries(pool, ana)] == [7]
    bens = await entries(pool, ben)
    assert [points for points, _ in bens] == [4, 4, 2, 0]
    assert [kept["dailyCap"] for _, kept in bens[2:]] == [
        {"limit": 10, "earnedBefore": 8, "points": 2},
        {"limit": 10, "earnedBefore": 10, "points": 0},
    ]
    assert (await balance_of(pool, ben))["balance"] == 10
    assert await audit_failures(pool) == []

    # the same line sent singly answers with the points it posted, and moves nothing
    paid, basket = Money(Decimal("45.00"), "EUR"), [Line("fuel", Decimal("45.00"))]
    body = purchases.purchase_body(ben, None, paid, basket, None)
    request = Request(f"partner:{partner.id}", records[3]["idempotencyKey"], "earnPoints", body)
    async with pool.connection() as conn:
        again = await purchases.earn_purchase(
            conn,
            request,
            partner_id=partner.id,
            member_id=ben,
            money=paid,
            lines=basket,
            order_id=None,
            occurred_at=datetime.now(UTC),
            now=datetime.now(UTC),
        )
    assert again.points == 2
    rerun, _ = await import_file(pool, partner.id, path)
    assert (rerun.lines_posted, rerun.lines_already) == (0, 5)
    assert (await balance_of(pool, ben))["balance"] == 10


async def test_lines_priced_with_rules_that_changed_meanwhile_are_priced_again_next_time(
    pool, make_partner, make_member, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    partner = await make_partner(earn_rate="1")
    member = await make_member(partner)
    async with transaction(pool) as conn:
        before = (await earn_rule_versions.versions_of(conn, [partner.id]))[partner.id]
    await set_rules(pool, partner.code, FUEL_STATION)
    path = write_file(tmp_path / "late.jsonl", [purchase(member, "77.50", BASKET)])

    async def as_when_the_job_started(conn: Any, partner_id: int, *, fresh: bool = False) -> Any:
        return tuple(before)  # the job read the rules before the new version was set

    with monkeypatch.context() as patched:
        patched.setattr(importing.earn_rule_cache, "versions", as_when_the_job_started)
        job, errors = await import_file(pool, partner.id, path)
    assert (job.lines_posted, [error.code for error in errors]) == (0, ["EARN_RULES_CHANGED"])

    again, errors = await import_file(pool, partner.id, path)
    assert (again.lines_posted, errors) == (1, [])
    assert [points for points, _ in await entries(pool, member)] == [7]
