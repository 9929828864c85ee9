"""The tier multiplier through the earn rules' multipliers hook: a Gold member earns x1.5 on
every line before the floor (with a multiplier membership, x1.5 x 2), the earn keeps the tier
(name, version, source, multiplier) beside its rule version, a return of a line takes back at
the multiplier used, a quote shows it, and the bulk import prices and raises tiers the same
way. Each test has a database of its own."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from ledger_support import audit_failures, new_key
from tier_support import DAY, Program

from exchange.kit.db import Pool, connection, transaction
from exchange.kit.ids import to_global_id
from exchange.kit.money import Money
from exchange.ledger import earning
from exchange.ledger.outcome import Outcome, Request
from partners import earn_rule_cache, importing, purchases, returns
from partners.earn_rules import explain
from partners.rules import Line
from partners.tiers import selling, setting
from partners.tiers.plans import Plan

NOW = datetime.now(UTC).replace(microsecond=0) - 2 * DAY
BASKET = [Line("fuel", Decimal("45.00")), Line("shop", Decimal("12.55"))]


@pytest.fixture
def program(fresh_pool: Pool) -> Program:
    earn_rule_cache.forget()  # partner ids repeat from one database of its own to the next
    return Program(fresh_pool)


async def earn(program: Program, member: int, partner: int, lines: list[Line]) -> Outcome:
    money = Money(sum((line.amount for line in lines), Decimal(0)), "EUR")
    request = Request(f"partner:{partner}", new_key("earn"), "earnPoints", {"n": new_key()})
    async with connection(program.pool) as conn:
        return await purchases.earn_purchase(
            conn,
            request,
            partner_id=partner,
            member_id=member,
            money=money,
            lines=lines,
            order_id=None,
            occurred_at=NOW,
            now=NOW,
        )


async def details(program: Program, entry_id: int | None) -> dict[str, Any]:
    [row] = await program.fetch("SELECT details FROM journal_entries WHERE id = %s", entry_id)
    found: dict[str, Any] = row["details"]
    return found


async def gold(program: Program) -> tuple[int, int]:
    await program.ladder()
    shop = await program.partner(earn_rate="1")
    member = await program.member(shop)
    await program.ledger.earn(member, shop, points=5000, now=NOW - DAY)
    return shop, member


async def test_a_gold_member_earns_one_and_a_half_times_on_every_line(program: Program) -> None:
    shop, member = await gold(program)

    done = await earn(program, member, shop, BASKET)

    # 45.00 x 1 x 1.5 = 67.5 -> 67; 12.55 x 1 x 1.5 = 18.825 -> 18
    assert done.points == 85
    kept = await details(program, done.transaction_id)
    assert kept["tier"] == {"name": "Gold", "version": 1, "source": "EARNED", "multiplier": "1.5"}
    assert kept["multipliers"] == [{"source": "tier:Gold", "factor": "1.5", "categories": None}]
    assert [(line["multiplier"], line["points"]) for line in kept["lines"]] == [
        ("1.5", 67),
        ("1.5", 18),
    ]
    async with transaction(program.pool) as conn:
        back = await earning.reverse_earn(
            conn,
            Request(f"partner:{shop}", new_key("rev"), "reverseEarn", {}),
            partner_id=shop,
            transaction_id=done.transaction_id,  # type: ignore[arg-type]
            amount=None,
            now=NOW + DAY,
            priced=returns.lines_pricer([Line("shop", Decimal("12.55"))]),
        )
    assert back.points == 18  # the shop line, at the 1.5 it earned with
    async with transaction(program.pool) as conn:
        assert await audit_failures(conn) == []


async def test_a_quote_shows_the_tier_multiplier(program: Program) -> None:
    shop, member = await gold(program)
    async with connection(program.pool) as conn:
        quoted = await purchases.quote(
            conn,
            partner_id=shop,
            member_id=member,
            money=Money(Decimal("57.55"), "EUR"),
            lines=BASKET,
            at=NOW,
        )
    assert quoted.points == 85
    assert explain.steps(quoted)[0].message == "x1.5 (tier:Gold) on every line"


async def test_a_multiplier_membership_multiplies_with_the_tier(program: Program) -> None:
    shop, member = await gold(program)
    double = Plan("DOUBLE", "Double points", 90, Decimal("9.90"), "EUR", multiplier=Decimal(2))
    async with transaction(program.pool) as conn:
        await setting.set_plans(
            conn, [double], effective_from=None, caller="a", key="p", actor="t", now=NOW - DAY
        )
        await selling.sell(
            conn,
            member_id=member,
            partner_id=shop,
            plan_code="DOUBLE",
            caller="p",
            key="s",
            actor="t",
            now=NOW - DAY,
        )

    done = await earn(program, member, shop, BASKET)

    assert done.points == 135 + 37  # 45.00 x 1.5 x 2 = 135; 12.55 x 3 = 37.65 -> 37
    kept = await details(program, done.transaction_id)
    assert [m["source"] for m in kept["multipliers"]] == ["tier:Gold", "membership:DOUBLE"]


async def test_a_member_without_a_tier_earns_as_before(program: Program) -> None:
    shop = await program.partner(earn_rate="1")
    member = await program.member(shop)
    done = await earn(program, member, shop, BASKET)  # no ladder: nothing read, nothing kept
    assert done.points == 57
    assert "tier" not in await details(program, done.transaction_id)


async def test_the_import_prices_with_the_tier_and_raises_tiers(program: Program) -> None:
    shop, member = await gold(program)
    newcomer = await program.member(shop)
    lines = [
        {"memberId": to_global_id("Member", member), "amount": "100.00", "currency": "EUR"},
        {"memberId": to_global_id("Member", newcomer), "amount": "999.00", "currency": "EUR"},
        {"memberId": to_global_id("Member", newcomer), "amount": "1.00", "currency": "EUR"},
    ]
    text = "".join(json.dumps({**line, "idempotencyKey": new_key()}) + "\n" for line in lines)
    job, _ = await importing.new_job(program.pool, partner_id=shop, format="JSONL", file_name="f")
    done = await importing.run_job(program.pool, job, io.StringIO(text), currency="EUR")

    assert done.lines_posted == 3
    [gold_line] = await program.fetch(
        "SELECT points, details FROM journal_entries WHERE member_id = %s AND kind = 'EARN'"
        " ORDER BY id DESC LIMIT 1",
        member,
    )
    assert gold_line["points"] == 150
    assert gold_line["details"]["tier"]["name"] == "Gold"
    assert [(e["from"], e["to"]) for e in await program.tier_events(newcomer)] == [
        ("Blue", "Silver")
    ]
    async with transaction(program.pool) as conn:
        assert await audit_failures(conn) == []
