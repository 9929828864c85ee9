"""Bad input: a stable code (userError or HTTP 4xx), never a 500, and nothing written."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gateway_support import member_gid, new_key, row_counts

from exchange.kit.ids import to_global_id


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


@pytest.fixture
async def shop(api, make_partner, make_member):  # type: ignore[no-untyped-def]
    """A partner with a member holding 100 points."""
    partner = await make_partner()
    member = await make_member(partner)
    client = api(partner.key.secret)
    await client.ok(
        "earnPoints",
        {"memberId": member_gid(member), "amount": money("100.00"), "idempotencyKey": new_key()},
        "__typename",
    )
    return client, member


def earn_input(member: int, **changes: object) -> dict[str, object]:
    return {
        "memberId": member_gid(member),
        "amount": money("10.00"),
        "idempotencyKey": new_key(),
        **changes,
    }


EARN_REFUSALS = [
    ({"amount": money("1.001")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("0.00")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("-5.00")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("ten")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("NaN")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("1e400")}, "INVALID_AMOUNT", ["amount"]),
    ({"amount": money("10.00", "USD")}, "UNSUPPORTED_CURRENCY", ["amount", "currency"]),
    ({"amount": money("10.00", "XYZ")}, "UNSUPPORTED_CURRENCY", ["amount", "currency"]),
    ({"memberId": member_gid(2**62)}, "MEMBER_NOT_FOUND", ["memberId"]),
    ({"memberId": "not-a-global-id"}, "MEMBER_NOT_FOUND", ["memberId"]),
    ({"memberId": to_global_id("Hold", 1)}, "MEMBER_NOT_FOUND", ["memberId"]),
    ({"idempotencyKey": ""}, "INVALID_INPUT", ["idempotencyKey"]),
    ({"idempotencyKey": "k" * 256}, "INVALID_INPUT", ["idempotencyKey"]),
    ({"orderId": "o" * 129}, "INVALID_INPUT", ["orderId"]),
    ({"orderId": ""}, "INVALID_INPUT", ["orderId"]),
    ({"lines": [{"category": "fuel", "amount": money("10.01")}]}, "INVALID_AMOUNT", ["lines"]),
    (
        {"lines": [{"category": "", "amount": money("1.00")}]},
        "INVALID_INPUT",
        ["lines", "0", "category"],
    ),
    (
        {"occurredAt": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        "INVALID_INPUT",
        ["occurredAt"],
    ),
    ({"occurredAt": "2000-01-01T00:00:00Z"}, "NO_PRICE_IN_FORCE", ["occurredAt"]),
]


@pytest.mark.parametrize(("changes", "code", "field"), EARN_REFUSALS)
async def test_earn_refusals(shop, pool, changes, code, field):
    client, member = shop
    before = await row_counts(pool)
    error = await client.refused("earnPoints", earn_input(member, **changes))
    assert (error["code"], error["field"]) == (code, field)
    assert error["message"]
    assert await row_counts(pool) == before


@pytest.mark.parametrize("points", [0, -1, -(2**31)])
@pytest.mark.parametrize("mutation", ["burnPoints", "authorizeBurn"])
async def test_zero_or_negative_points(shop, pool, mutation, points):
    client, member = shop
    before = await row_counts(pool)
    error = await client.refused(
        mutation, {"memberId": member_gid(member), "points": points, "idempotencyKey": new_key()}
    )
    assert (error["code"], error["field"]) == ("INVALID_AMOUNT", ["points"])
    assert await row_counts(pool) == before


@pytest.mark.parametrize("points", [2**31, 2**63, 1.5, "12"])
async def test_points_that_are_not_32_bit_ints_are_400(shop, pool, points):
    client, member = shop
    before = await row_counts(pool)
    response = await client.post(
        "mutation($i: BurnPointsInput!) { burnPoints(input: $i) { userErrors { code } } }",
        {"i": {"memberId": member_gid(member), "points": points, "idempotencyKey": new_key()}},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await row_counts(pool) == before


async def test_points_literal_over_int32_is_400(shop, pool):
    client, member = shop
    before = await row_counts(pool)
    response = await client.post(
        f'mutation {{ burnPoints(input: {{memberId: "{member_gid(member)}", points: 2147483648,'
        f' idempotencyKey: "{new_key()}"}}) {{ userErrors {{ code }} }} }}'
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert await row_counts(pool) == before


async def test_unknown_input_field_is_400(shop, pool):
    client, member = shop
    before = await row_counts(pool)
    response = await client.post(
        "mutation($i: BurnPointsInput!) { burnPoints(input: $i) { userErrors { code } } }",
        {
            "i": {
                "memberId": member_gid(member),
                "points": 1,
                "idempotencyKey": new_key(),
                "discount": 5,
            }
        },
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert await row_counts(pool) == before


async def test_burn_more_than_available(shop, pool):
    client, member = shop
    before = await row_counts(pool)
    error = await client.refused(
        "burnPoints", {"memberId": member_gid(member), "points": 101, "idempotencyKey": new_key()}
    )
    assert error["code"] == "INSUFFICIENT_POINTS"
    assert await row_counts(pool) == before


@pytest.mark.parametrize(
    ("ttl", "code"),
    [(0, "INVALID_INPUT"), (-5, "INVALID_INPUT"), (7 * 24 * 3600 + 1, "INVALID_INPUT")],
)
async def test_hold_ttl_bounds(shop, pool, ttl, code):
    client, member = shop
    before = await row_counts(pool)
    error = await client.refused(
        "authorizeBurn",
        {
            "memberId": member_gid(member),
            "points": 1,
            "ttlSeconds": ttl,
            "idempotencyKey": new_key(),
        },
    )
    assert (error["code"], error["field"]) == (code, ["ttlSeconds"])
    assert await row_counts(pool) == before


@pytest.mark.parametrize(
    ("mutation", "input_", "code"),
    [
        ("captureBurn", {"holdId": "nope"}, "HOLD_NOT_FOUND"),
        ("voidBurn", {"holdId": to_global_id("Hold", 2**40)}, "HOLD_NOT_FOUND"),
        ("refundBurn", {"transactionId": "nope"}, "NOT_FOUND"),
        ("reverseEarn", {"transactionId": to_global_id("Transaction", 2**40)}, "NOT_FOUND"),
        ("captureBurn", {"holdId": to_global_id("Hold", 1), "points": 0}, "INVALID_AMOUNT"),
    ],
)
async def test_unknown_objects(shop, pool, mutation, input_, code):
    client, _ = shop
    before = await row_counts(pool)
    error = await client.refused(mutation, {**input_, "idempotencyKey": new_key()})
    assert error["code"] == code
    assert await row_counts(pool) == before


async def test_reverse_earn_amount_checks(shop, pool):
    client, member = shop
    earned = await client.ok("earnPoints", earn_input(member), "transaction { id }")
    tx = earned["transaction"]["id"]
    before = await row_counts(pool)
    for amount, code in [
        (money("10.01"), "AMOUNT_EXCEEDS_ORIGINAL"),
        (money("1.001"), "INVALID_AMOUNT"),
        (money("1.00", "GBP"), "UNSUPPORTED_CURRENCY"),
    ]:
        error = await client.refused(
            "reverseEarn", {"transactionId": tx, "amount": amount, "idempotencyKey": new_key()}
        )
        assert error["code"] == code
    burn = await client.refused("refundBurn", {"transactionId": tx, "idempotencyKey": new_key()})
    assert burn["code"] == "NOT_FOUND"  # an earn is not a burn
    assert await row_counts(pool) == before


@pytest.mark.parametrize(
    ("input_", "field"),
    [
        ({"email": "not-an-email"}, "email"),
        ({"email": "a" * 60 + "@" + "b" * 190 + ".com"}, "email"),
        ({"phone": "0712345"}, "phone"),
        ({"cardNumber": "12ab"}, "cardNumber"),
        ({"externalId": "has space"}, "externalId"),
        ({"referralCode": "r" * 65}, "referralCode"),
    ],
)
async def test_enrolment_refusals(api, make_partner, pool, input_, field):
    partner = await make_partner()
    before = await row_counts(pool)
    error = await api(partner.key.secret).refused("enrollMember", input_)
    assert (error["code"], error["field"]) == ("INVALID_INPUT", [field])
    assert await row_counts(pool) == before


async def test_enrolment_duplicate(api, make_partner, pool):
    partner = await make_partner()
    client = api(partner.key.secret)
    email = f"{new_key()}@example.com"
    created = await client.ok(
        "enrollMember",
        {"email": email},  # a referral code must be a member's: see test_gateway_referrals
        "member { id email cardNumber balance }",
    )
    assert created["member"]["email"] is None  # no PII for partners
    assert created["member"]["balance"] == 0
    before = await row_counts(pool)
    error = await client.refused("enrollMember", {"email": email.upper()})
    assert error["code"] == "MEMBER_ALREADY_ENROLLED"
    assert await row_counts(pool) == before
