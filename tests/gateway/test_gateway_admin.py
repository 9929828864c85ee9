"""Admin: partners and API keys over GraphQL; finance reads but does not write."""

from __future__ import annotations

import secrets

from gateway_support import new_key

PARTNER_INPUT = {
    "name": "Fuel & Co",
    "issuePrice": {"amount": "0.010", "currency": "EUR"},
    "redemptionValue": {"amount": "0.008", "currency": "EUR"},
    "earnRate": "0.5",
    "pointValidityDays": 365,
}


def new_code() -> str:
    return f"GW_{secrets.token_hex(4).upper()}"


async def test_create_partner_and_use_its_key(admin, api):
    code = new_code()
    created = await admin.ok(
        "createPartner",
        {**PARTNER_INPUT, "code": code},
        "partner { id code name earnRate pointValidityDays status } apiKey",
    )
    assert created["partner"]["code"] == code
    assert created["partner"]["earnRate"] == "0.5"
    assert created["partner"]["status"] == "ACTIVE"
    assert created["apiKey"].startswith("ptk_")
    partner = api(created["apiKey"])
    member = await partner.ok("enrollMember", {}, "member { id }")
    earned = await partner.ok(
        "earnPoints",
        {
            "memberId": member["member"]["id"],
            "amount": {"amount": "25.00", "currency": "EUR"},
            "idempotencyKey": new_key(),
        },
        "transaction { points partner { code } }",
    )
    assert earned["transaction"] == {"points": 12, "partner": {"code": code}}
    duplicate = await admin.refused("createPartner", {**PARTNER_INPUT, "code": code})
    assert duplicate["code"] == "PARTNER_ALREADY_EXISTS"
    listed = await admin.data("{ partners { code } }")
    assert code in [p["code"] for p in listed["partners"]]


async def test_create_partner_refusals(admin):
    cases = [
        ({"code": "bad code"}, "INVALID_INPUT"),
        ({"issuePrice": {"amount": "0.01", "currency": "USD"}}, "UNSUPPORTED_CURRENCY"),
        ({"redemptionValue": {"amount": "-1", "currency": "EUR"}}, "INVALID_AMOUNT"),
        ({"earnRate": "1.0000001"}, "INVALID_AMOUNT"),
        ({"earnRate": "lots"}, "INVALID_AMOUNT"),
        ({"pointValidityDays": 0}, "INVALID_INPUT"),
        ({"name": " "}, "INVALID_INPUT"),
    ]
    for changes, code in cases:
        error = await admin.refused(
            "createPartner", {**PARTNER_INPUT, "code": new_code(), **changes}
        )
        assert error["code"] == code, changes


async def test_api_keys_create_list_revoke(admin, api, make_partner, client):
    partner = await make_partner()
    made = await admin.ok(
        "createApiKey",
        {"role": "PARTNER", "partnerCode": partner.code, "name": "till 2"},
        "apiKey key { id role prefix lastFour name partner { code } }",
    )
    secret = made["apiKey"]
    assert made["key"]["role"] == "PARTNER"
    assert made["key"]["partner"] == {"code": partner.code}
    assert secret.startswith(made["key"]["prefix"]) and secret.endswith(made["key"]["lastFour"])
    assert (await api(secret).post("{ transactions { edges { cursor } } }")).status_code == 200
    listed = await admin.call("{ apiKeys { id prefix lastFour } }")
    assert secret not in str(listed)
    assert made["key"]["id"] in [k["id"] for k in listed["data"]["apiKeys"]]
    await admin.ok("revokeApiKey", {"id": made["key"]["id"]}, "key { revokedAt }")
    assert (await api(secret).post("{ transactions { edges { cursor } } }")).status_code == 401
    finance = await admin.ok("createApiKey", {"role": "FINANCE"}, "apiKey key { role }")
    assert finance["apiKey"].startswith("fin_")


async def test_revoke_later_leaves_an_overlap(admin, api, make_partner):
    partner = await make_partner()
    made = await admin.ok(
        "createApiKey", {"role": "PARTNER", "partnerCode": partner.code}, "apiKey key { id }"
    )
    revoked = await admin.ok(
        "revokeApiKey", {"id": made["key"]["id"], "at": "2999-01-01T00:00:00Z"}, "key { revokedAt }"
    )
    assert revoked["key"]["revokedAt"].startswith("2999-01-01T00:00:00")
    assert (await api(made["apiKey"]).post("{ __typename }")).status_code == 200


async def test_api_key_refusals(admin):
    cases = [
        ({"role": "PARTNER"}, "INVALID_INPUT"),
        ({"role": "ADMIN", "partnerCode": "ANY"}, "INVALID_INPUT"),
        ({"role": "PARTNER", "partnerCode": "NO_SUCH_PARTNER"}, "PARTNER_NOT_FOUND"),
    ]
    for input_, code in cases:
        assert (await admin.refused("createApiKey", input_))["code"] == code
    missing = await admin.refused("revokeApiKey", {"id": "nope"})
    assert missing["code"] == "API_KEY_NOT_FOUND"


async def test_finance_reads_but_does_not_write(finance):
    assert "partners" in await finance.data("{ partners { id } }")
    for query in (
        "{ apiKeys { id } }",
        "mutation { createApiKey(input: {role: FINANCE}) { apiKey userErrors { code } } }",
        'mutation { revokeApiKey(input: {id: "x"}) { userErrors { code } } }',
    ):
        result = await finance.call(query)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN", query
