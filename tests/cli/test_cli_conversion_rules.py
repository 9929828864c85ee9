"""``exchange partners conversion-rules CODE --currency SKY``: the first version registers the
currency, the next one replaces it; bad input is one line with exit code 2."""

from __future__ import annotations

from cli_support import one_line_error


async def test_conversion_rules_register_the_currency_and_add_versions(cli, make_partner):
    airline = await make_partner()
    currency = f"S{airline.id}"[:10]
    first = await cli(
        "partners", "conversion-rules", airline.code, "--currency", currency.lower(),
        "--name", "SkyMiles", "--in-rate", "0.8", "--in-min", "100", "--in-daily", "8000",
        "--out-rate", "1.25",
    )  # fmt: skip
    assert first.exit_code == 0, first.output
    assert f"{currency}: conversion rules version 1 added." in first.output
    row = next(line for line in first.output.splitlines() if line.strip().startswith("1"))
    for said in ("1 (in force)", "0.8 min 100 8000/day", "1.25"):
        assert said in row, (said, row)

    second = await cli(
        "partners", "conversion-rules", airline.code, "--currency", currency, "--out-rate", "1"
    )
    assert second.exit_code == 0, second.output
    row = next(line for line in second.output.splitlines() if line.strip().startswith("2"))
    assert "2 (in force)" in row and "not offered" in row
    shown = await cli("partners", "conversion-rules", airline.code, "--currency", currency)
    assert shown.exit_code == 0 and "SkyMiles" in shown.output


async def test_bad_conversion_rules_are_one_line_with_exit_code_2(cli, make_partner):
    airline = await make_partner()
    rules = ["partners", "conversion-rules", airline.code, "--currency", "ZZ9"]
    assert "needs --in-rate or --out-rate" in one_line_error(await cli(*rules, "--name", "Z"))
    assert "need --in-rate" in one_line_error(await cli(*rules, "--out-rate", "1", "--in-min", "5"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*rules, "--in-rate", "0"))
    assert "needs its name" in one_line_error(await cli(*rules, "--in-rate", "1"))
    assert "CONVERSION_CURRENCY_NOT_FOUND" in one_line_error(await cli(*rules))
    assert "INVALID_INPUT" in one_line_error(
        await cli("partners", "conversion-rules", airline.code, "--currency", "1X")
    )
