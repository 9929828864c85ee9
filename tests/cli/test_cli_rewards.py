"""``exchange rewards list|add|retire``: a partner's catalogue through the same catalogue code
as createReward, rewards and retireReward; refusals are one line with exit code 2."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from cli_support import one_line_error

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from partners.rewards import catalogue

ADDED = re.compile(r"Reward (\d+) added to (\S+)'s catalogue\.")


async def _add(cli, code: str, *options: str) -> int:
    result = await cli("rewards", "add", "--partner", code, *options)
    assert result.exit_code == 0, result.output
    found = ADDED.search(result.output)
    assert found and found.group(2) == code, result.output
    return int(found.group(1))


async def test_add_list_and_retire(cli, make_partner, pool):
    fuel, other = await make_partner(), await make_partner()
    litres = await _add(
        cli, fuel.code, "--name", "20 litres of fuel", "--points", "3999", "--stock", "5",
        "--description", "Any grade",
    )  # fmt: skip
    later = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    wash = await _add(cli, fuel.code, "--name", "Car wash", "--points", "500",
                      "--from", later.isoformat())  # fmt: skip
    async with transaction(pool) as conn:
        stored = await catalogue.get(conn, litres)
    assert (stored.partner_id, stored.name, stored.points, stored.stock, stored.status) == (
        fuel.id,
        "20 litres of fuel",
        3999,
        5,
        "ACTIVE",
    )
    assert stored.description == "Any grade"

    listed = await cli("rewards", "list", "--partner", fuel.code.lower())
    assert listed.exit_code == 0, listed.output
    assert "20 litres of fuel" in listed.output and "3,999" in listed.output
    assert "ACTIVE (not offered now)" in listed.output  # the car wash starts in three days
    offered = await cli("rewards", "list", "--partner", fuel.code, "--offered")
    assert "20 litres of fuel" in offered.output and "Car wash" not in offered.output
    page = await cli("rewards", "list", "--partner", fuel.code, "--first", "1")
    assert f"More: --after {litres}" in page.output and "Car wash" not in page.output

    refused = await cli("rewards", "retire", str(litres), "--partner", other.code)
    assert "REWARD_NOT_FOUND" in one_line_error(refused)  # another partner's reward
    retired = await cli("rewards", "retire", to_global_id("Reward", litres), "--partner", fuel.code)
    assert retired.exit_code == 0, retired.output
    assert f"Reward {litres} of {fuel.code} is RETIRED." in retired.output
    again = await cli("rewards", "retire", str(litres), "--partner", fuel.code)
    assert again.exit_code == 0 and "RETIRED" in again.output
    offered = await cli("rewards", "list", "--partner", fuel.code, "--offered")
    assert "20 litres of fuel" not in offered.output
    assert wash != litres


async def test_the_same_key_adds_one_reward(cli, make_partner, pool):
    fuel = await make_partner()
    options = ("--name", "Coffee", "--points", "150", "--idempotency-key", "coffee-1")
    first = await _add(cli, fuel.code, *options)
    assert await _add(cli, fuel.code, *options) == first
    changed = await cli("rewards", "add", "--partner", fuel.code, "--name", "Tea",
                        "--points", "150", "--idempotency-key", "coffee-1")  # fmt: skip
    assert "IDEMPOTENCY_CONFLICT" in one_line_error(changed)
    async with transaction(pool) as conn:
        found, _ = await catalogue.page(
            conn, partner_id=fuel.id, offered_only=False, at=datetime.now(UTC), after_id=None,
            first=10,
        )  # fmt: skip
    assert [reward.name for reward in found] == ["Coffee"]


async def test_bad_rewards_are_one_line_with_exit_code_2(cli, make_partner):
    fuel = await make_partner()
    add = ("rewards", "add", "--partner", fuel.code)
    assert "INVALID_AMOUNT" in one_line_error(await cli(*add, "--name", "X", "--points", "0"))
    assert "name" in one_line_error(await cli(*add, "--name", " ", "--points", "10"))
    assert "activeUntil" in one_line_error(
        await cli(*add, "--name", "X", "--points", "10", "--from", "2031-01-02T00:00:00Z",
                  "--until", "2031-01-01T00:00:00Z")
    )  # fmt: skip
    assert "stock" in one_line_error(
        await cli(*add, "--name", "X", "--points", "10", "--stock", "-1")
    )
    assert "PARTNER_NOT_FOUND" in one_line_error(
        await cli("rewards", "add", "--partner", "NOPE_NOPE", "--name", "X", "--points", "10")
    )
    assert "REWARD_NOT_FOUND" in one_line_error(
        await cli("rewards", "retire", "not-an-id", "--partner", fuel.code)
    )
