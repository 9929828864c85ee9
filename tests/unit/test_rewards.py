"""The reward catalogue's pure parts: a partner's input checked, and when a reward may be
redeemed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from exchange.kit.errors import ExchangeError, InvalidAmount, InvalidInput
from partners.rewards import checks
from partners.rewards.checks import Reward
from partners.rewards.errors import RewardNotAvailable, RewardOutOfStock

START = datetime(2026, 12, 1, tzinfo=UTC)
FUEL = Reward(
    id=1,
    partner_id=1,
    name="20 litres of fuel",
    description=None,
    points=3999,
    active_from=START,
    active_until=START + timedelta(days=31),
    stock=2,
    status="ACTIVE",
    created_at=START,
    updated_at=START,
    retired_at=None,
)


def refusal(reward: Reward, at: datetime) -> ExchangeError:
    with pytest.raises(ExchangeError) as raised:
        checks.redeemable(reward, at)
    return raised.value


def test_a_reward_is_redeemable_within_its_window_while_in_stock() -> None:
    checks.redeemable(FUEL, START)
    checks.redeemable(replace(FUEL, stock=None), START + timedelta(days=30))
    assert FUEL.available(START)
    before = refusal(FUEL, START - timedelta(seconds=1))
    assert isinstance(before, RewardNotAvailable)
    assert before.message == (
        "this reward is offered from 2026-12-01T00:00:00+00:00 until 2027-01-01T00:00:00+00:00"
    )
    assert isinstance(refusal(FUEL, START + timedelta(days=31)), RewardNotAvailable)
    assert isinstance(refusal(replace(FUEL, status="RETIRED"), START), RewardNotAvailable)
    empty = replace(FUEL, stock=0)
    assert isinstance(refusal(empty, START), RewardOutOfStock)
    assert not empty.available(START)


def test_a_partners_reward_is_checked_field_by_field() -> None:
    assert checks.name("  20 litres  ") == "20 litres"
    assert checks.description("  line one\nline two ") == "line one\nline two"
    assert checks.description("   ") is None
    cases = [
        (lambda: checks.name(""), InvalidInput, ["name"]),
        (lambda: checks.name("x" * 201), InvalidInput, ["name"]),
        (lambda: checks.description("tab\there"), InvalidInput, ["description"]),
        (lambda: checks.points(0), InvalidAmount, ["points"]),
        (lambda: checks.stock(-1), InvalidInput, ["stock"]),
        (lambda: checks.window(START, START), InvalidInput, ["activeUntil"]),
    ]
    for call, error, field in cases:
        with pytest.raises(error) as raised:
            call()
        assert raised.value.field == field
    assert checks.stock(0) == 0
