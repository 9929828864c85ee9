"""``exchange partners``: create prints the first key once; list shows prices in force."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from cli_support import one_line_error, only_key

from exchange.kit.db import transaction
from partners import registry
from partners.keys import authenticate


def new_code() -> str:
    return f"CLI_{secrets.token_hex(4).upper()}"


async def test_create_prints_a_working_partner_key(cli, pool):
    code = new_code()
    result = await cli(
        "partners",
        "create",
        "--code",
        code,
        "--name",
        "Corner Bakery",
        "--earn-rate",
        "1.5",
        "--issue-price",
        "0.010",
        "--redemption-value",
        "0.008",
        "--validity-days",
        "365",
    )
    assert result.exit_code == 0, result.output
    assert f"Partner {code}" in result.output
    async with transaction(pool) as conn:
        partner = await registry.get_partner(conn, code=code)
        owner = await authenticate(conn, only_key(result.output), now=datetime.now(UTC))
        terms = await registry.issuer_terms(conn, partner.id, datetime.now(UTC))
    assert owner is not None and owner.partner_id == partner.id and owner.role == "partner"
    assert str(terms.earn_rate) == "1.500000" and partner.point_validity_days == 365


async def test_list_shows_partners_with_prices(cli):
    code = new_code()
    created = await cli(
        "partners",
        "create",
        "--code",
        code.lower(),
        "--name",
        "Book Shop",
        "--earn-rate",
        "2",
        "--issue-price",
        "0.02",
        "--redemption-value",
        "0.015",
    )
    assert created.exit_code == 0, created.output
    result = await cli("partners", "list")
    assert result.exit_code == 0, result.output
    line = next(line for line in result.output.splitlines() if code in line)
    assert "Book Shop" in line and "0.02 EUR" in line and "0.015 EUR" in line
    assert "never expires" in line


async def test_refusals_are_one_line_with_exit_code_2(cli):
    code = new_code()
    base = [
        "partners",
        "create",
        "--code",
        code,
        "--name",
        "Twice",
        "--earn-rate",
        "1",
        "--redemption-value",
        "0.008",
    ]
    assert (await cli(*base, "--issue-price", "0.01")).exit_code == 0
    assert "PARTNER_ALREADY_EXISTS" in one_line_error(await cli(*base, "--issue-price", "0.01"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*base, "--issue-price", "ten"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*base, "--issue-price", "-1"))
    bad_code = [
        "partners",
        "create",
        "--code",
        "a b",
        "--name",
        "X",
        "--earn-rate",
        "1",
        "--issue-price",
        "0.01",
        "--redemption-value",
        "0.008",
    ]
    assert "code" in one_line_error(await cli(*bad_code))
    assert "currency" in one_line_error(
        await cli(*base, "--issue-price", "0.01", "--currency", "XYZ")
    )
