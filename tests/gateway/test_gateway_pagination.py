"""Relay pagination over the transactions connection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from gateway_support import member_gid, new_key

PAGE = (
    "query($first: Int!, $after: String, $m: ID, $since: DateTime) {"
    " transactions(first: $first, after: $after, memberId: $m, since: $since) {"
    " edges { cursor node { id points } }"
    " pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }"
)


@pytest.fixture
async def busy(api, make_partner, make_member):  # type: ignore[no-untyped-def]
    """A fresh partner with 25 earns of 1..25 points over two members."""
    partner = await make_partner()
    members = [await make_member(partner), await make_member(partner)]
    client = api(partner.key.secret)
    for points in range(1, 26):
        await client.ok(
            "earnPoints",
            {
                "memberId": member_gid(members[points % 2]),
                "amount": {"amount": f"{points}.00", "currency": "EUR"},
                "idempotencyKey": new_key(),
            },
            "__typename",
        )
    return client, members


async def test_pages_of_ten_over_25(busy):
    client, _ = busy
    seen: list[int] = []
    after = None
    pages = []
    while True:
        data = await client.data(PAGE, {"first": 10, "after": after})
        connection = data["transactions"]
        pages.append(connection)
        seen.extend(edge["node"]["points"] for edge in connection["edges"])
        if not connection["pageInfo"]["hasNextPage"]:
            break
        after = connection["pageInfo"]["endCursor"]
    assert [len(page["edges"]) for page in pages] == [10, 10, 5]
    assert seen == list(range(25, 0, -1))  # newest first, none missing, none twice
    assert pages[0]["pageInfo"]["hasPreviousPage"] is False
    assert pages[1]["pageInfo"]["hasPreviousPage"] is True
    assert pages[0]["pageInfo"]["startCursor"] == pages[0]["edges"][0]["cursor"]
    assert pages[0]["pageInfo"]["endCursor"] == pages[0]["edges"][-1]["cursor"]


async def test_filter_by_member_and_since(busy):
    client, members = busy
    odd = await client.data(PAGE, {"first": 100, "m": member_gid(members[1])})
    assert [e["node"]["points"] for e in odd["transactions"]["edges"]] == list(range(25, 0, -2))
    future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    later = await client.data(PAGE, {"first": 100, "since": future})
    assert later["transactions"]["edges"] == []


async def test_member_transactions_connection(busy):
    client, members = busy
    data = await client.data(
        "query($id: ID!, $after: String) { member(id: $id) { transactions(first: 5, after: $after)"
        " { edges { node { points } } pageInfo { hasNextPage endCursor } } } }",
        {"id": member_gid(members[0])},
    )
    connection = data["member"]["transactions"]
    assert [e["node"]["points"] for e in connection["edges"]] == [24, 22, 20, 18, 16]
    assert connection["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [0, -1, 101])
async def test_page_size_bounds(busy, first):
    client, _ = busy
    result = await client.call(PAGE, {"first": first})
    assert result["data"] is None
    error = result["errors"][0]
    assert error["extensions"]["code"] == "INVALID_INPUT"
    assert "first" in error["message"]


async def test_max_page_is_100(busy):
    client, _ = busy
    data = await client.data(PAGE, {"first": 100})
    assert len(data["transactions"]["edges"]) == 25


@pytest.mark.parametrize("cursor", ["garbage", "TWVtYmVyOjE"])
async def test_foreign_cursor_is_refused(busy, cursor):
    client, _ = busy
    result = await client.call(PAGE, {"first": 10, "after": cursor})
    assert result["errors"][0]["extensions"]["code"] == "INVALID_INPUT"
