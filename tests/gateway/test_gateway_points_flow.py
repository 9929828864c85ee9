"""Every point-moving mutation over HTTP, with real numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from gateway_support import HOLD_FIELDS, MEMBER_FIELDS, TX_FIELDS, member_gid, new_key, row_counts

from exchange.kit import clock


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


async def earn(api, member_id: int, amount: str, **extra):  # type: ignore[no-untyped-def]
    return await api.ok(
        "earnPoints",
        {
            "memberId": member_gid(member_id),
            "amount": money(amount),
            "idempotencyKey": new_key(),
            **extra,
        },
        f"{TX_FIELDS} {MEMBER_FIELDS}",
    )


async def test_earn_at_rate_one(api, make_partner, make_member):
    partner = await make_partner(earn_rate="1")
    member = await make_member(partner)
    payload = await earn(api(partner.key.secret), member, "25.00", orderId="o-1")
    assert payload["transaction"]["kind"] == "EARN"
    assert payload["transaction"]["points"] == 25
    assert payload["transaction"]["status"] == "POSTED"
    assert payload["transaction"]["amount"] == {"amount": "25.00", "currency": "EUR"}
    assert payload["member"]["balance"] == 25
    assert payload["member"]["availableBalance"] == 25


async def test_earn_lines_floor_each_line(api, make_partner, make_member):
    partner = await make_partner(earn_rate="1.5")
    member = await make_member(partner)
    lines = [
        {"category": "fuel", "amount": money("10.99")},
        {"category": "shop", "amount": money("3.50")},
    ]
    payload = await earn(api(partner.key.secret), member, "14.49", lines=lines)
    # floor(10.99 x 1.5) + floor(3.50 x 1.5) = 16 + 5
    assert payload["transaction"]["points"] == 21


async def test_burn_and_refund_partial_then_whole(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "100.00")
    burn = await client.ok(
        "burnPoints",
        {
            "memberId": member_gid(member),
            "points": 60,
            "orderId": "b-1",
            "idempotencyKey": new_key(),
        },
        f"{TX_FIELDS} {MEMBER_FIELDS}",
    )
    assert burn["transaction"]["kind"] == "BURN"
    assert burn["member"]["balance"] == 40
    burn_id = burn["transaction"]["id"]
    partial = await client.ok(
        "refundBurn",
        {"transactionId": burn_id, "points": 10, "idempotencyKey": new_key()},
        f"{TX_FIELDS} {MEMBER_FIELDS}",
    )
    assert partial["transaction"]["kind"] == "BURN_REFUND"
    assert partial["transaction"]["points"] == 10
    assert partial["member"]["balance"] == 50
    rest = await client.ok(
        "refundBurn",
        {"transactionId": burn_id, "idempotencyKey": new_key()},
        f"{TX_FIELDS} {MEMBER_FIELDS}",
    )
    assert rest["transaction"]["points"] == 50
    assert rest["member"]["balance"] == 100
    status = await client.data(
        "query($id: ID!) { node(id: $id) { ... on Transaction { status points } } }",
        {"id": burn_id},
    )
    assert status["node"] == {"status": "REFUNDED", "points": 60}
    again = await client.refused(
        "refundBurn", {"transactionId": burn_id, "idempotencyKey": new_key()}
    )
    assert again["code"] == "AMOUNT_EXCEEDS_ORIGINAL"


async def test_authorize_partial_capture_releases_rest(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "100.00")
    hold = await client.ok(
        "authorizeBurn",
        {
            "memberId": member_gid(member),
            "points": 70,
            "orderId": "h-1",
            "ttlSeconds": 600,
            "idempotencyKey": new_key(),
        },
        f"{HOLD_FIELDS} {MEMBER_FIELDS}",
    )
    assert hold["hold"]["status"] == "AUTHORIZED"
    assert hold["member"]["heldPoints"] == 70
    assert hold["member"]["availableBalance"] == 30
    captured = await client.ok(
        "captureBurn",
        {"holdId": hold["hold"]["id"], "points": 45, "idempotencyKey": new_key()},
        f"{TX_FIELDS} {HOLD_FIELDS} {MEMBER_FIELDS}",
    )
    assert captured["transaction"]["points"] == 45
    assert captured["hold"] == {
        "id": hold["hold"]["id"],
        "points": 70,
        "capturedPoints": 45,
        "status": "CAPTURED",
    }
    assert captured["member"]["heldPoints"] == 0
    assert captured["member"]["balance"] == 55
    assert captured["member"]["availableBalance"] == 55
    twice = await client.refused(
        "captureBurn", {"holdId": hold["hold"]["id"], "idempotencyKey": new_key()}
    )
    assert twice["code"] == "HOLD_ALREADY_FINAL"


async def test_capture_more_than_held_is_refused(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "100.00")
    hold = await client.ok(
        "authorizeBurn",
        {"memberId": member_gid(member), "points": 10, "idempotencyKey": new_key()},
        HOLD_FIELDS,
    )
    error = await client.refused(
        "captureBurn", {"holdId": hold["hold"]["id"], "points": 11, "idempotencyKey": new_key()}
    )
    assert error["code"] == "AMOUNT_EXCEEDS_ORIGINAL"


async def test_void_releases_the_hold(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "50.00")
    hold = await client.ok(
        "authorizeBurn",
        {"memberId": member_gid(member), "points": 50, "idempotencyKey": new_key()},
        f"{HOLD_FIELDS} {MEMBER_FIELDS}",
    )
    assert hold["member"]["availableBalance"] == 0
    short = await client.refused(
        "burnPoints", {"memberId": member_gid(member), "points": 1, "idempotencyKey": new_key()}
    )
    assert short["code"] == "INSUFFICIENT_POINTS"
    voided = await client.ok(
        "voidBurn",
        {"holdId": hold["hold"]["id"], "idempotencyKey": new_key()},
        f"{HOLD_FIELDS} {MEMBER_FIELDS}",
    )
    assert voided["hold"]["status"] == "VOIDED"
    assert voided["member"]["availableBalance"] == 50
    assert voided["member"]["heldPoints"] == 0


async def test_reverse_partial_then_whole(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    earned = await earn(client, member, "80.00")
    earn_id = earned["transaction"]["id"]
    partial = await client.ok(
        "reverseEarn",
        {"transactionId": earn_id, "amount": money("30.00"), "idempotencyKey": new_key()},
        f"{TX_FIELDS} {MEMBER_FIELDS}",
    )
    assert partial["transaction"]["kind"] == "EARN_REVERSAL"
    assert partial["transaction"]["points"] == 30
    assert partial["transaction"]["amount"] == money("30.00")
    assert partial["member"]["balance"] == 50
    rest = await client.ok(
        "reverseEarn",
        {"transactionId": earn_id, "idempotencyKey": new_key()},
        f"{TX_FIELDS} {MEMBER_FIELDS} transaction {{ originalTransaction {{ id status }} }}",
    )
    assert rest["transaction"]["points"] == 50
    assert rest["transaction"]["originalTransaction"] == {"id": earn_id, "status": "REVERSED"}
    assert rest["member"]["balance"] == 0
    more = await client.refused(
        "reverseEarn",
        {"transactionId": earn_id, "amount": money("1.00"), "idempotencyKey": new_key()},
    )
    assert more["code"] == "AMOUNT_EXCEEDS_ORIGINAL"


async def test_reverse_of_spent_points_leaves_a_debt(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    earned = await earn(client, member, "40.00")
    await client.ok(
        "burnPoints",
        {"memberId": member_gid(member), "points": 30, "idempotencyKey": new_key()},
        "__typename",
    )
    reversed_ = await client.ok(
        "reverseEarn",
        {"transactionId": earned["transaction"]["id"], "idempotencyKey": new_key()},
        MEMBER_FIELDS,
    )
    assert reversed_["member"]["debtPoints"] == 30
    assert reversed_["member"]["availableBalance"] == 0
    assert reversed_["member"]["balance"] == -30
    repaid = await earn(client, member, "50.00")
    assert repaid["member"]["debtPoints"] == 0
    assert repaid["member"]["balance"] == 20


async def test_idempotent_replay_and_conflict(api, make_partner, make_member, pool):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    key = new_key()
    body = {
        "memberId": member_gid(member),
        "amount": money("12.00"),
        "orderId": "i-1",
        "idempotencyKey": key,
    }
    first = await client.ok("earnPoints", body, f"{TX_FIELDS} {MEMBER_FIELDS}")
    before = await row_counts(pool)
    replay = await client.ok("earnPoints", body, f"{TX_FIELDS} {MEMBER_FIELDS}")
    assert replay["transaction"] == first["transaction"]
    assert replay["member"]["balance"] == 12
    assert await row_counts(pool) == before
    conflict = await client.refused("earnPoints", {**body, "amount": money("13.00")})
    assert conflict["code"] == "IDEMPOTENCY_CONFLICT"
    assert conflict["field"] == ["idempotencyKey"]
    assert await row_counts(pool) == before


async def test_idempotency_keys_are_scoped_to_the_partner(api, make_partner, make_member):
    one, two = await make_partner(), await make_partner()
    member = await make_member(one)
    await make_member(two)
    key = new_key()
    first = await earn(api(one.key.secret), member, "5.00", idempotencyKey=key)
    card = await api(two.key.secret).data(
        "query($id: ID!) { member(id: $id) { id } }", {"id": member_gid(member)}
    )
    assert card["member"] is None
    assert first["transaction"]["points"] == 5


async def test_member_expiring_points_and_tier(api, make_partner, make_member):
    partner = await make_partner(validity_days=30)
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "10.00")
    result = await client.data(
        'query($id: ID!) { member(id: $id) { tier { name } soon: expiringPoints(within: "P31D")'
        ' { points expiresAt } never: expiringPoints(within: "PT1H") { points }'
        " default: expiringPoints { points } } }",
        {"id": member_gid(member)},
    )
    data = result["member"]
    assert data["tier"] is None
    assert [row["points"] for row in data["soon"]] == [10]
    assert data["soon"][0]["expiresAt"].endswith("+00:00")
    assert data["never"] == []
    assert [row["points"] for row in data["default"]] == [10]


async def test_later_mutations_of_one_operation_read_fresh(api, make_partner, make_member):
    partner = await make_partner()
    member = await make_member(partner)
    result = await api(partner.key.secret).data(
        "mutation($e: EarnPointsInput!, $b: BurnPointsInput!) {"
        " e: earnPoints(input: $e) { member { balance } }"
        " b: burnPoints(input: $b) { member { balance } userErrors { code } } }",
        {
            "e": {
                "memberId": member_gid(member),
                "amount": money("20.00"),
                "idempotencyKey": new_key(),
            },
            "b": {"memberId": member_gid(member), "points": 5, "idempotencyKey": new_key()},
        },
    )
    assert result["e"]["member"]["balance"] == 20
    assert result["b"] == {"member": {"balance": 15}, "userErrors": []}


async def test_expired_hold_reads_expired_and_cannot_be_captured(
    api, make_partner, make_member, monkeypatch
):
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await earn(client, member, "30.00")
    hold = await client.ok(
        "authorizeBurn",
        {
            "memberId": member_gid(member),
            "points": 20,
            "ttlSeconds": 60,
            "idempotencyKey": new_key(),
        },
        HOLD_FIELDS,
    )
    later = datetime.now(UTC) + timedelta(minutes=5)
    monkeypatch.setattr(clock, "now", lambda: later)
    seen = await client.data(
        "query($id: ID!) { hold(id: $id) { status } }", {"id": hold["hold"]["id"]}
    )
    assert seen["hold"]["status"] == "EXPIRED"
    error = await client.refused(
        "captureBurn", {"holdId": hold["hold"]["id"], "idempotencyKey": new_key()}
    )
    assert error["code"] == "HOLD_EXPIRED"
    # the refusal itself gave the hold's points back (no sweeper runs in these tests)
    after = await client.data(
        "query($id: ID!) { member(id: $id) { heldPoints availableBalance } }",
        {"id": member_gid(member)},
    )
    assert after["member"] == {"heldPoints": 0, "availableBalance": 30}
    # and they can be spent at once: no point was lost
    burn = await client.ok(
        "burnPoints",
        {"memberId": member_gid(member), "points": 30, "idempotencyKey": new_key()},
        MEMBER_FIELDS,
    )
    assert burn["member"]["balance"] == 0
    assert burn["member"]["heldPoints"] == 0
