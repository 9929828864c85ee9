"""``exchange partners earn-rules CODE``: the versions, and a new one from the options."""

from __future__ import annotations

from cli_support import one_line_error


async def test_earn_rules_lists_versions_and_adds_one(cli, make_partner):
    partner = await make_partner(earn_rate="1")
    shown = await cli("partners", "earn-rules", partner.code.lower())
    assert shown.exit_code == 0, shown.output
    assert "1 (in force)" in shown.output

    added = await cli(
        "partners",
        "earn-rules",
        partner.code,
        "--base-rate",
        "0.05",
        "--category-rate",
        "fuel=0.1",
        "--category-rate",
        "shop=0.3",
        "--exclude",
        "gift_card",
        "--minimum-purchase",
        "10.00",
        "--cap-per-member-per-day",
        "100",
    )
    assert added.exit_code == 0, added.output
    assert f"Partner {partner.code}: earn rules version 2 added." in added.output
    row = next(line for line in added.output.splitlines() if line.strip().startswith("2"))
    for said in ("2 (in force)", "0.05", "fuel 0.1, shop 0.3", "gift_card", "10.00 EUR", "100"):
        assert said in row, (said, row)


async def test_bad_rules_are_one_line_with_exit_code_2(cli, make_partner):
    partner = await make_partner()
    rules = ["partners", "earn-rules", partner.code]
    assert "needs --base-rate" in one_line_error(await cli(*rules, "--exclude", "gift_card"))
    assert "INVALID_INPUT" in one_line_error(await cli(*rules, "--base-rate", "x"))
    assert "CATEGORY=RATE" in one_line_error(
        await cli(*rules, "--base-rate", "1", "--category-rate", "fuel")
    )
    past = ("--effective-from", "2020-01-01T00:00:00Z")
    assert "effectiveFrom" in one_line_error(await cli(*rules, "--base-rate", "1", *past))
    assert "PARTNER_NOT_FOUND" in one_line_error(
        await cli("partners", "earn-rules", "NOPE_NOPE", "--base-rate", "1")
    )
