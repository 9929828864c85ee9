"""``exchange bonuses types`` and ``exchange bonuses award`` over a scratch database (the event
types are program-wide): a version added and listed, an award by card number that the same
reference does not repeat, a limit, and input refused in one line."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from cli_support import one_line_error

from exchange.kit.db import Pool, transaction
from exchange.ledger import members
from partners import registry


async def card_of_a_member(pool: Pool) -> str:
    async with transaction(pool) as conn:
        partner, _ = await registry.create_partner(
            conn,
            registry.NewPartner(
                code="FUEL",
                name="Fuel",
                earn_rate=Decimal("1"),
                issue_price=Decimal("0.01"),
                redemption_value=Decimal("0.008"),
                currency="EUR",
                point_validity_days=365,
            ),
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
        await members.enroll(
            conn,
            enrolment=members.Enrolment(card_number="6390000000000013"),
            partner_id=partner.id,
            now=datetime(2020, 1, 1, tzinfo=UTC),
        )
    return "6390000000000013"


async def test_types_are_added_and_awarded(cli, scratch_pool: Pool) -> None:  # type: ignore[no-untyped-def]
    empty = await cli("bonuses", "types")
    assert empty.exit_code == 0, empty.output
    assert "No bonus event types yet." in empty.stdout
    added = await cli(
        "bonuses",
        "types",
        "--type",
        "REVIEW:50:1/MONTH:Product review",
        "--type",
        "survey:20:-:Survey answer: NPS",
    )
    assert added.exit_code == 0, added.output
    assert "Bonus event types version 1 added." in added.stdout
    assert "Version 1 (in force)" in added.stdout
    assert "at most 1 per calendar month" in added.stdout
    assert "Survey answer: NPS" in added.stdout  # a name may hold a colon

    card = await card_of_a_member(scratch_pool)
    args = ("bonuses", "award", "--partner", "fuel", "--card", card, "--type", "REVIEW")
    done = await cli(*args, "--reference", "r-1")
    assert done.exit_code == 0, done.output
    assert "Awarded 50 points: transaction" in done.stdout
    again = await cli(*args, "--reference", "r-1")  # the same: idempotent, nothing more
    assert again.stdout == done.stdout
    limit = one_line_error(await cli(*args, "--reference", "r-2"))
    assert "at most 1 per calendar month" in limit and "(BONUS_LIMIT_EXCEEDED)" in limit
    async with transaction(scratch_pool) as conn:
        cur = await conn.execute("SELECT sum(balance) AS points FROM member_balances")
        row = await cur.fetchone()
    assert row is not None and row["points"] == 50


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("--type", "REVIEW:50"), "CODE:POINTS:COUNT/PERIOD:NAME"),
        (("--type", "REVIEW:many:-:x"), "whole number"),
        (("--type", "REVIEW:5:3-MONTH:x"), "COUNT/PERIOD"),
        (("--type", "REVIEW:5:3/WEEK:x"), "limit period must be one of"),
        (("--type", "REVIEW:5:-:x", "--none"), "not both"),
        (("--effective-from", "2030-01-01T00:00:00Z"), "give --type or --none"),
    ],
)
async def test_bad_types_are_refused_in_one_line(  # type: ignore[no-untyped-def]
    cli, scratch_pool: Pool, args: tuple[str, ...], words: str
) -> None:
    assert words in one_line_error(await cli("bonuses", "types", *args))
