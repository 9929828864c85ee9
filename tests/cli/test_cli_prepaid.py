"""``exchange partners billing`` and ``buy-block``: a partner made prepaid with a credit
limit, a block of points recorded once per reference, refusals on one line."""

from __future__ import annotations

import secrets

from cli_support import one_line_error

from exchange.kit.db import transaction
from partners import prepaid, registry


async def new_partner(cli) -> str:  # type: ignore[no-untyped-def]
    code = f"CLI_{secrets.token_hex(4).upper()}"
    created = await cli(
        "partners",
        "create",
        "--code",
        code,
        "--name",
        "Kiosk",
        "--earn-rate",
        "1",
        "--issue-price",
        "0.010",
        "--redemption-value",
        "0.008",
    )
    assert created.exit_code == 0, created.output
    return code


async def test_a_partner_becomes_prepaid_and_buys_a_block(cli, pool) -> None:
    code = await new_partner(cli)
    made = await cli("partners", "billing", code.lower(), "--prepaid", "--credit-limit", "100")
    assert made.exit_code == 0, made.output
    assert f"Partner {code} is PREPAID." in made.output
    assert "Points bought 0, drawn 0, credit limit 100: 100 left to issue." in made.output

    buy = ("partners", "buy-block", code, "--points", "1000", "--price", "0.009")
    bought = await cli(*buy, "--reference", "INV-1")
    assert bought.exit_code == 0, bought.output
    assert "1000 points at 0.009 EUR (9.00 EUR), reference INV-1." in bought.output
    assert "Points bought 1000, drawn 0, credit limit 100: 1100 left to issue." in bought.output
    again = await cli(*buy, "--reference", "INV-1")  # the same reference records nothing more
    assert again.exit_code == 0 and "Points bought 1000," in again.output
    async with transaction(pool) as conn:
        partner = await registry.get_partner(conn, code=code)
        blocks = await prepaid.blocks_of(conn, partner.id, first=10)
    assert (partner.billing, partner.credit_limit_points) == ("PREPAID", 100)
    assert [(b.points, b.reference, b.created_by) for b in blocks] == [
        (1000, "INV-1", "exchange partners buy-block (CLI)")
    ]


async def test_refusals_are_one_line(cli) -> None:
    code = await new_partner(cli)
    assert "--prepaid or --postpaid" in one_line_error(await cli("partners", "billing", code))
    postpaid = await cli(
        "partners", "buy-block", code, "--points", "10", "--price", "0.01", "--reference", "R"
    )
    assert "is POSTPAID" in one_line_error(postpaid)
    assert "INVALID_AMOUNT" in one_line_error(
        await cli(
            "partners", "buy-block", code, "--points", "10", "--price", "x", "--reference", "R"
        )
    )
    assert "PARTNER_NOT_FOUND" in one_line_error(
        await cli("partners", "billing", "NO_SUCH_CODE", "--postpaid")
    )
