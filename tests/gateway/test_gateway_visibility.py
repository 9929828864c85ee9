"""Partners see their own objects only; another partner's are NOT_FOUND, never FORBIDDEN."""

from __future__ import annotations

import secrets

import pytest
from gateway_support import HOLD_FIELDS, TX_FIELDS, member_gid, new_key, row_counts

from exchange.kit.ids import to_global_id


def money(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


@pytest.fixture
async def two_partners(api, make_partner, make_member):  # type: ignore[no-untyped-def]
    """Partner A with a member, an earn, a burn and an open hold; partner B, a stranger."""
    a, b = await make_partner(), await make_partner()
    member = await make_member(a, email=f"{new_key()}@example.com", card_number=new_card())
    client_a = api(a.key.secret)
    earned = await client_a.ok(
        "earnPoints",
        {"memberId": member_gid(member), "amount": money("50.00"), "idempotencyKey": new_key()},
        TX_FIELDS,
    )
    burned = await client_a.ok(
        "burnPoints",
        {"memberId": member_gid(member), "points": 5, "idempotencyKey": new_key()},
        TX_FIELDS,
    )
    held = await client_a.ok(
        "authorizeBurn",
        {"memberId": member_gid(member), "points": 5, "idempotencyKey": new_key()},
        HOLD_FIELDS,
    )
    return {
        "a": client_a,
        "b": api(b.key.secret),
        "member": member,
        "a_id": a.id,
        "earn": earned["transaction"]["id"],
        "burn": burned["transaction"]["id"],
        "hold": held["hold"]["id"],
    }


def new_card() -> str:
    return str(10**15 + secrets.randbelow(9 * 10**15))


async def test_other_partners_objects_are_invisible(two_partners):
    b = two_partners["b"]
    for object_id in (
        two_partners["earn"],
        two_partners["burn"],
        two_partners["hold"],
        member_gid(two_partners["member"]),
        to_global_id("Partner", two_partners["a_id"]),
    ):
        data = await b.data("query($id: ID!) { node(id: $id) { id } }", {"id": object_id})
        assert data["node"] is None, object_id
    hold = await b.data("query($id: ID!) { hold(id: $id) { id } }", {"id": two_partners["hold"]})
    assert hold["hold"] is None
    member = await b.data(
        "query($id: ID!) { member(id: $id) { id } }", {"id": member_gid(two_partners["member"])}
    )
    assert member["member"] is None
    listed = await b.data("{ transactions(first: 100) { edges { node { id } } } }")
    ids = {edge["node"]["id"] for edge in listed["transactions"]["edges"]}
    assert not ids & {two_partners["earn"], two_partners["burn"]}
    filtered = await b.data(
        "query($m: ID) { transactions(memberId: $m) { edges { cursor } } }",
        {"m": member_gid(two_partners["member"])},
    )
    assert filtered["transactions"]["edges"] == []


async def test_owner_sees_its_objects(two_partners):
    a = two_partners["a"]
    data = await a.data(
        "query($e: ID!, $h: ID!, $p: ID!) { e: node(id: $e) { ... on Transaction { kind points"
        " partner { id } member { id } } } h: hold(id: $h) { status points member { id } }"
        " p: node(id: $p) { ... on Partner { id } } }",
        {
            "e": two_partners["earn"],
            "h": two_partners["hold"],
            "p": to_global_id("Partner", two_partners["a_id"]),
        },
    )
    member = member_gid(two_partners["member"])
    partner = to_global_id("Partner", two_partners["a_id"])
    assert data["e"] == {
        "kind": "EARN",
        "points": 50,
        "partner": {"id": partner},
        "member": {"id": member},
    }
    assert data["h"] == {"status": "AUTHORIZED", "points": 5, "member": {"id": member}}
    assert data["p"] == {"id": partner}


async def test_acting_on_other_partners_objects_is_not_found(two_partners, pool):
    b = two_partners["b"]
    before = await row_counts(pool)
    cases = [
        ("reverseEarn", {"transactionId": two_partners["earn"]}, "NOT_FOUND"),
        ("refundBurn", {"transactionId": two_partners["burn"]}, "NOT_FOUND"),
        ("captureBurn", {"holdId": two_partners["hold"]}, "HOLD_NOT_FOUND"),
        ("voidBurn", {"holdId": two_partners["hold"]}, "HOLD_NOT_FOUND"),
        (
            "burnPoints",
            {"memberId": member_gid(two_partners["member"]), "points": 1},
            "MEMBER_NOT_FOUND",
        ),
        (
            "earnPoints",
            {"memberId": member_gid(two_partners["member"]), "amount": money("1.00")},
            "MEMBER_NOT_FOUND",
        ),
        (
            "authorizeBurn",
            {"memberId": member_gid(two_partners["member"]), "points": 1},
            "MEMBER_NOT_FOUND",
        ),
    ]
    for mutation, input_, code in cases:
        error = await b.refused(mutation, {**input_, "idempotencyKey": new_key()})
        assert error["code"] == code, mutation
    assert await row_counts(pool) == before


async def test_partner_is_forbidden_admin_things(two_partners):
    b = two_partners["b"]
    result = await b.call(
        'mutation { createPartner(input: {name: "X", code: "XX", issuePrice: {amount: "0.01",'
        ' currency: "EUR"}, redemptionValue: {amount: "0.01", currency: "EUR"}, earnRate: "1"})'
        " { partner { id } userErrors { code } } }"
    )
    assert result["data"] is None
    assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    for query in ("{ partners { id } }", "{ apiKeys { id } }"):
        result = await b.call(query)
        assert result["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_partners_see_no_pii_staff_do(two_partners, admin, finance):
    query = "query($id: ID!) { member(id: $id) { email cardNumber phone balance } }"
    variables = {"id": member_gid(two_partners["member"])}
    seen = (await two_partners["a"].data(query, variables))["member"]
    assert seen["email"] is None and seen["cardNumber"] is None
    assert seen["balance"] == 45
    for staff in (admin, finance):
        full = (await staff.data(query, variables))["member"]
        assert full["email"].endswith("@example.com")
        assert full["cardNumber"]


async def test_card_number_lookup_shows_the_member(two_partners, admin):
    member_id = member_gid(two_partners["member"])
    card = (
        await admin.data("query($id: ID!) { member(id: $id) { cardNumber } }", {"id": member_id})
    )["member"]["cardNumber"]
    b = two_partners["b"]
    found = await b.data(
        "query($c: String) { member(cardNumber: $c) { id availableBalance } }", {"c": card}
    )
    assert found["member"] == {"id": member_id, "availableBalance": 40}
    again = await b.data("query($id: ID!) { member(id: $id) { id } }", {"id": member_id})
    assert again["member"] == {"id": member_id}
    earned = await b.ok(
        "earnPoints",
        {"memberId": member_id, "amount": money("3.00"), "idempotencyKey": new_key()},
        TX_FIELDS,
    )
    assert earned["transaction"]["points"] == 3
    # B sees its own transaction on the member, not A's
    txs = await b.data(
        "query($id: ID!) { member(id: $id) { transactions { edges { node { kind points } } } } }",
        {"id": member_id},
    )
    assert [e["node"] for e in txs["member"]["transactions"]["edges"]] == [
        {"kind": "EARN", "points": 3}
    ]


async def test_unknown_card_number_is_null(two_partners):
    data = await two_partners["b"].data('{ member(cardNumber: "99999999999999") { id } }')
    assert data["member"] is None


async def test_external_id_belongs_to_its_partner(api, make_partner):
    a, b = await make_partner(), await make_partner()
    external = new_key("ext")
    created = await api(a.key.secret).ok(
        "enrollMember", {"externalId": external}, "member { id externalId }"
    )
    assert created["member"]["externalId"] == external
    query = "query($x: String) { member(externalId: $x) { id externalId } }"
    mine = await api(a.key.secret).data(query, {"x": external})
    assert mine["member"] == created["member"]
    theirs = await api(b.key.secret).data(query, {"x": external})
    assert theirs["member"] is None


async def test_member_lookup_needs_exactly_one_identifier(two_partners):
    result = await two_partners["a"].call("{ member { id } }")
    assert result["data"] == {"member": None}
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
