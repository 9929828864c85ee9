"""``exchange members sessions list|revoke``: the member's live sessions, and ending them,
after which its web app cookie no longer works."""

from __future__ import annotations

import logging
import secrets
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cli_support import one_line_error

from exchange.gateway.app import create_app_for
from exchange.kit.db import Pool
from exchange.kit.ids import to_global_id
from exchange.kit.settings import Settings

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "webapp"))
from web_client import CodeLog, WebClient


@pytest.fixture
async def browser(pool: Pool) -> AsyncIterator[WebClient]:
    """A browser of the web app on the CLI's database, reading codes from the log."""
    codes = CodeLog()
    logging.getLogger("exchange.portal").addHandler(codes)
    app = create_app_for(pool, Settings(database_url="postgresql://unused/by-tests"))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        yield WebClient(client, codes)
    logging.getLogger("exchange.portal").removeHandler(codes)


async def test_revoke_ends_the_members_web_session(cli, make_partner, make_member, browser):
    partner = await make_partner()
    email = f"ana.{secrets.token_hex(4)}@example.com"
    member_id = await make_member(partner, email=email)
    await browser.log_in(email)
    assert (await browser.get("/app")).status_code == 200

    listed = await cli("members", "sessions", "list", "--email", email.upper())
    assert listed.exit_code == 0, listed.output
    assert f"Live sessions of member {member_id}" in listed.output and "WEB" in listed.output

    revoked = await cli("members", "sessions", "revoke", "--id", to_global_id("Member", member_id))
    assert revoked.exit_code == 0, revoked.output
    assert f"Member {member_id}: 1 session(s) revoked." in revoked.output
    page = await browser.get("/app")
    assert page.status_code == 303 and page.headers["location"] == "/app/login"
    listed = await cli("members", "sessions", "list", "--id", str(member_id))
    assert "WEB" not in listed.output


async def test_revoke_refuses_an_unknown_or_unnamed_member(cli):
    assert "MEMBER_NOT_FOUND" in one_line_error(
        await cli("members", "sessions", "revoke", "--id", "999999999")
    )
    assert "MEMBER_NOT_FOUND" in one_line_error(
        await cli("members", "sessions", "revoke", "--email", "nobody@nowhere.example")
    )
    assert "exactly one of" in one_line_error(await cli("members", "sessions", "revoke"))
    assert "exactly one of" in one_line_error(
        await cli("members", "sessions", "revoke", "--id", "1", "--email", "a@b.example")
    )
