"""The web app's Convert page, in-process: the programs and their rates, a quote with its lock
counted down, its confirmation (in and out), refusals in the member's words, CSRF on every
form, and nobody else's quote; the audit after each scenario."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from web_client import Web, WebClient
from webapp_support import Program, sky_program

from exchange.kit import clock

QUOTE_URL = re.compile(r"^/app/convert/quotes/(\d+)$")


async def _quote(client: WebClient, **form: str) -> str:
    """Ask for a quote on the Convert page; the quote page's path."""
    await client.get("/app/convert")
    asked = await client.post("/app/convert", form)
    assert asked.status_code == 303, asked.text
    location: str = asked.headers["location"]
    assert QUOTE_URL.match(location)
    return location


async def test_a_member_converts_in_and_out(program: Program, web: Web) -> None:
    ids = await sky_program(program)
    ana = web()
    await ana.log_in("ana@example.com")
    page = await ana.get("/app/convert")
    assert "SkyMiles (SKY)" in page.text and "1 SKY gives 0.8 points" in page.text
    assert "1 point gives 1.25 SKY" in page.text and "100 to 5,000 points at a time" in page.text

    quoted = await _quote(ana, currency="SKY", direction="IN", amount="1000", account="SK-1")
    shown = await ana.get(quoted)
    assert re.search(r'id="give">1,000 SKY<', shown.text)
    assert re.search(r'id="get">800 points<', shown.text)
    seconds = int(re.search(r"(\d+) seconds left", shown.text).group(1))  # type: ignore[union-attr]
    assert 55 <= seconds <= 60
    assert f'content="{seconds + 1};url={quoted}"' in shown.text  # reloads itself when it ends
    done = await ana.post(quoted, {"key": "web-in-1"})
    assert done.status_code == 303 and done.headers["location"].startswith("/app/convert?done=")
    page = await ana.get(done.headers["location"])
    assert "Done: 1,000 SKY into 800 points." in page.text

    quoted = await _quote(ana, currency="SKY", direction="OUT", amount="1000")
    shown = await ana.get(quoted)
    assert re.search(r'id="give">1,000 points<', shown.text)
    assert re.search(r'id="get">1,250 SKY<', shown.text)
    done = await ana.post(quoted, {"key": "web-out-1"})
    page = await ana.get(done.headers["location"])
    assert "1,000 points into 1,250 SKY: your points are held until Demo Airline" in page.text
    assert "Waiting for the partner" in page.text
    assert (await program.balance(ids["ana"])) == {"balance": 10_800, "held": 1_000, "debt": 0}

    again = await ana.post(quoted, {"key": "web-out-2"})
    assert again.status_code == 400 and "This quote was already used." in again.text
    history = await ana.get("/app/history")
    assert "Converted 1,000 SKY from Demo Airline into points" in history.text
    assert await program.audit() == []


async def test_refusals_in_the_members_words(
    program: Program, web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    await sky_program(program)
    ana = web()
    await ana.log_in("ana@example.com")
    await ana.get("/app/convert")
    small = await ana.post("/app/convert", {"currency": "SKY", "direction": "IN", "amount": "10"})
    assert small.status_code == 400
    assert "That is outside this program&#39;s limits (listed above)." in small.text
    assert 'value="10"' in small.text  # the form keeps what was typed
    fraction = await ana.post(
        "/app/convert", {"currency": "SKY", "direction": "OUT", "amount": "1.5"}
    )
    assert fraction.status_code == 400 and "Enter a whole number of points" in fraction.text

    quoted = await _quote(ana, currency="SKY", direction="IN", amount="1000")
    await ana.get(quoted)
    later = datetime.now(UTC) + timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    expired = await ana.post(quoted, {"key": "late"})
    assert expired.status_code == 400
    assert "This quote has expired. Ask for a new one." in expired.text
    assert "Convert now" not in expired.text and "http-equiv" not in expired.text
    monkeypatch.undo()

    ana.client.cookies.set("xch_lang", "ru")
    await ana.get("/app/convert")
    russian = await ana.post("/app/convert", {"currency": "SKY", "direction": "IN", "amount": "10"})
    assert "Это вне лимитов этой программы (указаны выше)." in russian.text
    assert await program.audit() == []


async def test_forms_need_the_csrf_token_and_quotes_are_the_members_own(
    program: Program, web: Web
) -> None:
    ids = await sky_program(program)
    ana, ben = web(), web()
    await ana.log_in("ana@example.com")
    await ben.log_in("ben@example.com")
    form = {"currency": "SKY", "direction": "IN", "amount": "1000"}
    forged = await ana.post("/app/convert", form, csrf="forged")
    assert forged.status_code == 403
    quoted = await _quote(ana, **form)
    assert (await ben.get(quoted)).status_code == 404
    await ben.get("/app/convert")
    stolen = await ben.post(quoted, {"key": "steal"})
    assert stolen.status_code == 404
    await ana.get(quoted)
    assert (await ana.post(quoted, {"key": "k"}, csrf="forged")).status_code == 403
    assert (await program.balance(ids["ana"]))["balance"] == 10_000
    assert (await ana.get("/app/convert/quotes/999999")).status_code == 404
    signed_out = web()
    assert (await signed_out.get(quoted)).headers["location"] == "/app/login"
    assert await program.rows("SELECT * FROM conversions") == []
