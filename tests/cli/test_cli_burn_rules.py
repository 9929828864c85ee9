"""``exchange burn-rules show|history|set CODE``: the versions setBurnRules writes, read and
added through the same store and checks; a refusal is one line with exit code 2."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cli_support import one_line_error

from exchange.kit.db import transaction
from partners import burn_rule_store


async def _versions(pool, partner_id):
    async with transaction(pool) as conn:
        return (await burn_rule_store.versions_of(conn, [partner_id]))[partner_id]


def _row(output: str, first: str) -> str:
    return next(line for line in output.splitlines() if line.strip().startswith(first))


async def test_set_adds_a_version_that_the_program_then_follows(cli, make_partner, pool):
    partner = await make_partner()
    shown = await cli("burn-rules", "show", partner.code.lower())
    assert shown.exit_code == 0, shown.output
    for said in ("defaults", "yes", "redemption value", "whole basket"):
        assert said in _row(shown.output, "defaults"), said

    added = await cli(
        "burn-rules", "set", partner.code,
        "--point-value", "0.01",
        "--max-basket-share", "0.2",
        "--minimum-basket", "10.00",
        "--minimum-points", "100",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert f"Partner {partner.code}: burn rules version 1 added." in added.output
    row = _row(added.output, "1 (in force)")
    for said in ("yes", "0.01 EUR", "20%", "10.00 EUR", "100"):
        assert said in row, (said, row)
    (version,) = await _versions(pool, partner.id)
    terms = version.terms
    assert (terms.point_value, terms.max_basket_share, terms.minimum_basket) == (
        Decimal("0.01"),
        Decimal("0.2"),
        Decimal("10.00"),
    )
    assert (terms.accepts_redemption, terms.minimum_points) == (True, 100)

    later = (datetime.now(UTC) + timedelta(days=7)).replace(microsecond=0)
    closed = await cli(
        "burn-rules", "set", partner.code, "--no-redemption",
        "--effective-from", later.isoformat(),
    )  # fmt: skip
    assert "burn rules version 2 added" in closed.output, closed.output
    shown = await cli("burn-rules", "show", partner.code)
    assert "1 (in force)" in shown.output  # version 2 starts next week
    assert later.isoformat() in _row(shown.output, "2") and "no" in _row(shown.output, "2")
    history = await cli("burn-rules", "history", partner.code)
    lines = history.output.splitlines()
    assert lines.index(_row(history.output, "2")) < lines.index(_row(history.output, "1"))
    assert [v.version for v in await _versions(pool, partner.id)] == [2, 1]


async def test_the_same_key_adds_one_version(cli, make_partner, pool):
    partner = await make_partner()
    rules = ("burn-rules", "set", partner.code, "--minimum-points", "50")
    first = await cli(*rules, "--idempotency-key", "cli-once")
    again = await cli(*rules, "--idempotency-key", "cli-once")
    assert first.exit_code == again.exit_code == 0, again.output
    assert "version 1 added" in again.output
    assert len(await _versions(pool, partner.id)) == 1
    other = await cli("burn-rules", "set", partner.code, "--minimum-points", "60",
                      "--idempotency-key", "cli-once")  # fmt: skip
    assert "IDEMPOTENCY_CONFLICT" in one_line_error(other)


async def test_bad_rules_are_one_line_with_exit_code_2(cli, make_partner, pool):
    partner = await make_partner()
    rules = ("burn-rules", "set", partner.code)
    assert "accepts no redemption has no other burn rule" in one_line_error(
        await cli(*rules, "--no-redemption", "--max-basket-share", "0.2")
    )
    assert "maxBasketShare" in one_line_error(await cli(*rules, "--max-basket-share", "1.5"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*rules, "--point-value", "0"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*rules, "--minimum-basket", "-5"))
    assert "INVALID_AMOUNT" in one_line_error(await cli(*rules, "--minimum-points", "0"))
    assert "effectiveFrom" in one_line_error(
        await cli(*rules, "--minimum-points", "1", "--effective-from", "2020-01-01T00:00:00Z")
    )
    assert "UTC offset" in one_line_error(
        await cli(*rules, "--minimum-points", "1", "--effective-from", "2031-01-01T00:00:00")
    )
    assert "PARTNER_NOT_FOUND" in one_line_error(await cli("burn-rules", "show", "NOPE_NOPE"))
    assert await _versions(pool, partner.id) == []
