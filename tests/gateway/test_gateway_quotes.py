"""earnQuote and burnQuote: the numbers without the movement."""

from __future__ import annotations

from gateway_support import member_gid, new_key, row_counts

EARN_QUOTE = (
    "query($m: ID!, $a: MoneyInput!, $l: [LineInput!]) { earnQuote(memberId: $m, amount: $a,"
    " lines: $l) { points rate lines { category amount { amount currency } points } } }"
)
BURN_QUOTE = (
    "query($m: ID!, $a: MoneyInput!) { burnQuote(memberId: $m, amount: $a) { maxPoints"
    " value { amount currency } pointValue { amount } availableBalance } }"
)


def money(amount: str, currency: str = "EUR") -> dict[str, str]:
    return {"amount": amount, "currency": currency}


async def test_earn_quote_line_by_line(api, make_partner, make_member, pool):
    partner = await make_partner(earn_rate="1.5")
    member = await make_member(partner)
    client = api(partner.key.secret)
    before = await row_counts(pool)
    lines = [
        {"category": "fuel", "amount": money("10.99")},
        {"category": "shop", "amount": money("3.50")},
    ]
    quote = await client.data(
        EARN_QUOTE, {"m": member_gid(member), "a": money("14.49"), "l": lines}
    )
    assert quote["earnQuote"] == {
        "points": 21,
        "rate": "1.5",
        "lines": [
            {"category": "fuel", "amount": money("10.99"), "points": 16},
            {"category": "shop", "amount": money("3.50"), "points": 5},
        ],
    }
    whole = await client.data(EARN_QUOTE, {"m": member_gid(member), "a": money("25.00")})
    assert whole["earnQuote"]["points"] == 37
    assert await row_counts(pool) == before


async def test_burn_quote_caps_at_the_basket(api, make_partner, make_member):
    partner = await make_partner(redemption_value="0.008")
    member = await make_member(partner)
    client = api(partner.key.secret)
    await client.ok(
        "earnPoints",
        {"memberId": member_gid(member), "amount": money("100.00"), "idempotencyKey": new_key()},
        "__typename",
    )
    small = await client.data(BURN_QUOTE, {"m": member_gid(member), "a": money("0.40")})
    assert small["burnQuote"] == {
        "maxPoints": 50,
        "value": money("0.40"),
        "pointValue": {"amount": "0.008"},
        "availableBalance": 100,
    }
    big = await client.data(BURN_QUOTE, {"m": member_gid(member), "a": money("10.00")})
    assert big["burnQuote"]["maxPoints"] == 100
    assert big["burnQuote"]["value"] == money("0.80")


async def test_quote_errors_have_codes(api, make_partner, make_member, admin):
    partner, stranger = await make_partner(), await make_partner()
    member = await make_member(partner)
    cases = [
        (api(stranger.key.secret), member_gid(member), money("1.00"), "MEMBER_NOT_FOUND"),
        (api(partner.key.secret), "junk", money("1.00"), "MEMBER_NOT_FOUND"),
        (api(partner.key.secret), member_gid(member), money("1.001"), "INVALID_AMOUNT"),
        (api(partner.key.secret), member_gid(member), money("1.00", "USD"), "UNSUPPORTED_CURRENCY"),
        (admin, member_gid(member), money("1.00"), "FORBIDDEN"),
    ]
    for client, member_id, amount, code in cases:
        for query in (EARN_QUOTE, BURN_QUOTE):
            result = await client.call(query, {"m": member_id, "a": amount})
            assert result["data"] is None
            assert result["errors"][0]["extensions"]["code"] == code, (query, code)
