"""``revokeMemberSessions`` (admin): the member's web cookie and app token stop working at
once; another member's sessions are untouched; only admin keys may do it."""

from __future__ import annotations

from typing import Any

import httpx
from web_client import Web
from webapp_support import Program

from exchange.kit.db import transaction
from exchange.kit.ids import to_global_id
from partners import keys

REVOKE = """mutation($input: RevokeMemberSessionsInput!) { revokeMemberSessions(input: $input) {
  member { id } revokedSessions userErrors { code field } } }"""


async def _gql(client: httpx.AsyncClient, key: str, member: str) -> dict[str, Any]:
    response = await client.post(
        "/graphql",
        json={"query": REVOKE, "variables": {"input": {"memberId": member}}},
        headers={"authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


async def _app_token(client: httpx.AsyncClient, codes: list[str], identifier: str) -> str:
    await client.post("/member/login/code", json={"identifier": identifier})
    issued = await client.post(
        "/member/login/token", json={"identifier": identifier, "code": codes[-1]}
    )
    token: str = issued.json()["token"]
    return token


async def test_an_admin_revokes_every_session_of_a_member(program: Program, web: Web) -> None:
    fuel = await program.partner("FUEL")
    ana_id = await program.member(fuel, email="ana@example.com")
    await program.member(fuel, email="ben@example.com")
    async with transaction(program.pool) as conn:
        admin = (await keys.create_key(conn, role="admin", partner_id=None, name="a")).secret
        partner = (await keys.create_key(conn, role="partner", partner_id=fuel, name="p")).secret
    ana_laptop, ana_phone, ben = web(), web(), web()
    await ana_laptop.log_in("ana@example.com")
    await ana_phone.log_in("ana@example.com")
    await ben.log_in("ben@example.com")
    token = await _app_token(ana_laptop.client, ana_laptop.codes.codes, "ana@example.com")
    ana = to_global_id("Member", ana_id)

    refused = await _gql(ana_laptop.client, partner, ana)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (await ana_laptop.get("/app")).status_code == 200

    done = (await _gql(ana_laptop.client, admin, ana))["data"]["revokeMemberSessions"]
    assert done == {"member": {"id": ana}, "revokedSessions": 3, "userErrors": []}
    for browser in (ana_laptop, ana_phone):
        page = await browser.get("/app")
        assert page.status_code == 303 and page.headers["location"] == "/app/login"
    viewer = await ana_laptop.client.post(
        "/graphql",
        json={"query": "{ viewer { member { id } } }"},
        headers={"authorization": f"Bearer {token}"},
    )
    assert viewer.status_code == 401
    assert (await ben.get("/app")).status_code == 200  # another member's session lives on

    again = (await _gql(ana_laptop.client, admin, ana))["data"]["revokeMemberSessions"]
    assert again["revokedSessions"] == 0
    await ana_laptop.log_in("ana@example.com")  # a new code opens a new session
    assert (await ana_laptop.get("/app")).status_code == 200

    for unknown in (to_global_id("Member", 999_999), "not-an-id", to_global_id("Partner", fuel)):
        missing = (await _gql(ana_laptop.client, admin, unknown))["data"]["revokeMemberSessions"]
        assert missing == {
            "member": None,
            "revokedSessions": 0,
            "userErrors": [{"code": "MEMBER_NOT_FOUND", "field": ["memberId"]}],
        }
