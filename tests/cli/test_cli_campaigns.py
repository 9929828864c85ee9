"""``exchange campaigns ...``: create, update, list, end a campaign; a segment; an instant
win's draw re-checked once the campaign has ended; refusals on one line."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from cli_support import one_line_error

from exchange.kit.db import connection
from exchange.kit.money import Money
from exchange.ledger.outcome import Request
from partners import purchases


def _code(prefix: str) -> str:
    return f"{prefix}{secrets.token_hex(3).upper()}"


async def test_a_campaign_is_created_changed_listed_and_ended(cli, make_partner):
    partner = await make_partner()
    code = _code("DOUBLE")
    start = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()

    made = await cli(
        "campaigns", "create", code, "--name", "Double shop", "--kind", "multiplier",
        "--multiplier", "2", "--starts-at", start, "--partner", partner.code,
        "--category", "shop", "--points-total", "1000",
    )  # fmt: skip
    changed = await cli("campaigns", "update", code, "--points-per-member", "40")
    listed = await cli("campaigns", "list")
    ended = await cli("campaigns", "end", code)
    again = await cli("campaigns", "update", code, "--name", "Again")

    assert made.exit_code == 0, made.output
    assert f"Campaign {code} created (version 1)." in made.output
    assert "Seed SHA-256: " in made.output
    assert f"Campaign {code}: version 2 added." in changed.output
    row = next(line for line in listed.output.splitlines() if code in line)
    for said in ("v2 Double shop", "x2", partner.code, "shop", "PARTNER", "points 1,000"):
        assert said in row, (said, row)
    assert "points/member 40" in row
    assert ended.exit_code == 0 and f"Campaign {code} ends at" in ended.output
    assert "ended at" in one_line_error(again)


async def test_an_instant_win_draw_is_verified_after_the_end(cli, make_partner, make_member, pool):
    partner = await make_partner()
    member = await make_member(partner)
    code = _code("LUCKY")
    start = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    end = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    made = await cli(
        "campaigns", "create", code, "--name", "Lucky", "--kind", "INSTANT_WIN",
        "--points", "30", "--chance", "1/3", "--starts-at", start, "--ends-at", end,
        "--partner", partner.code, "--funded-by", "operator",
    )  # fmt: skip
    assert made.exit_code == 0, made.output
    money = Money(Decimal("10.00"), "EUR")
    body = purchases.purchase_body(member, None, money, [], None)
    request = Request(f"partner:{partner.id}", _code("k"), "earnPoints", body)
    now = datetime.now(UTC)
    async with connection(pool) as conn:
        earned = await purchases.earn_purchase(
            conn, request, partner_id=partner.id, member_id=member, money=money, lines=[],
            order_id=None, occurred_at=now, now=now,
        )  # fmt: skip

    before = await cli("campaigns", "verify-draw", str(earned.transaction_id), code)
    await cli("campaigns", "end", code)
    after = await cli("campaigns", "verify-draw", str(earned.transaction_id), code)

    assert before.exit_code == 0, before.output
    assert "not yet" in before.output
    assert after.exit_code == 0, after.output
    assert "its SHA-256 matches" in after.output and "Verified." in after.output


async def test_segments_and_refusals(cli, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    segment = _code("VIP")

    made = await cli(
        "campaigns", "segment-create", segment, "--name", "VIPs", "--member", str(member)
    )
    removed = await cli("campaigns", "segment-add", segment, str(member), "--remove")

    assert f"Segment {segment} created (1 members)." in made.output
    assert f"Segment {segment}: 1 members removed." in removed.output
    start = datetime.now(UTC).isoformat()
    base = ["campaigns", "create", _code("X"), "--name", "x", "--starts-at", start]
    assert "INVALID_INPUT" in one_line_error(await cli(*base, "--kind", "MULTIPLIER"))
    assert "WINS/OUT_OF" in one_line_error(
        await cli(*base, "--kind", "INSTANT_WIN", "--points", "5", "--chance", "x")
    )
    assert "PARTNER_NOT_FOUND" in one_line_error(
        await cli(*base, "--kind", "BONUS", "--points", "5", "--partner", "NOPE_NOPE")
    )
    assert "CAMPAIGN_NOT_FOUND" in one_line_error(await cli("campaigns", "end", "NOSUCHCODE"))
