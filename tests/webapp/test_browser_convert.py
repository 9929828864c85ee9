"""Converting in a real browser (Debian's chromium, headless, Playwright): Ana converts 1,000
SkyMiles into 800 points, then 1,000 points into 1,250 SkyMiles, which wait for the airline;
the airline confirms over GraphQL and her history says so. No script runs on the pages (the
Content-Security-Policy forbids it): the quote's lock is counted down by the server. Each
page is saved as a screenshot for review."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from browser_support import CHROMIUM, shot
from live_server import serve
from web_client import CodeLog
from webapp_support import Program, sky_program

from exchange.kit.db import transaction
from exchange.kit.settings import Settings
from partners import keys

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"
    ),
]

PENDING = "{ conversions(first: 1, status: PENDING) { edges { node { id points amount } } } }"
CONFIRM = """mutation($input: ConfirmConversionInput!) { confirmConversion(input: $input) {
  conversion { status } userErrors { code } } }"""


async def _airline_confirms(base: str, api_key: str) -> None:
    headers = {"authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=base, headers=headers) as http:
        found = (await http.post("/graphql", json={"query": PENDING})).json()
        (edge,) = found["data"]["conversions"]["edges"]
        assert (edge["node"]["points"], edge["node"]["amount"]) == (1000, "1250")
        variables = {"input": {"conversionId": edge["node"]["id"], "reference": "SKY-77",
                               "idempotencyKey": "browser-confirm"}}  # fmt: skip
        done = await http.post("/graphql", json={"query": CONFIRM, "variables": variables})
    assert done.json()["data"]["confirmConversion"]["conversion"] == {"status": "COMPLETED"}


async def _quote_and_convert(page: Any, base: str, direction: str, amount: str) -> None:
    await page.goto(f"{base}/app/convert")
    await page.get_by_label("Program", exact=True).select_option("SKY")
    await page.get_by_label(direction, exact=True).check()
    await page.get_by_label("How much", exact=True).fill(amount)
    await page.get_by_role("button", name="See the quote").click()
    await page.wait_for_url(re.compile(r".*/app/convert/quotes/\d+$"))


async def test_a_member_converts_in_and_out_in_a_real_browser(
    program: Program, fresh_url: str, code_log: CodeLog, browser: Any
) -> None:
    ids = await sky_program(program)
    async with transaction(program.pool) as conn:
        issued = await keys.create_key(conn, role="partner", partner_id=ids["airline"], name="t")
    settings = Settings(database_url=fresh_url, pool_size=4)

    with serve(settings) as base:
        context = await browser.new_context(locale="en-GB")
        page = await context.new_page()
        await page.goto(f"{base}/app/login")
        await page.get_by_label("Email or phone number").fill("ana@example.com")
        await page.get_by_role("button", name="Send me a code").click()
        await page.wait_for_url("**/app/login/code")
        await page.get_by_label("Code").fill(code_log.codes[-1])
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{base}/app")

        await page.get_by_role("link", name="Convert", exact=True).click()
        assert "1 SKY gives 0.8 points" in await page.content()
        await shot(page, "21-convert")

        await _quote_and_convert(page, base, "From the program into points", "1000")
        assert await page.locator("#give").inner_text() == "1,000 SKY"
        assert await page.locator("#get").inner_text() == "800 points"
        assert "seconds left" in await page.locator("#lock").inner_text()
        await shot(page, "22-quote-in")
        await page.get_by_role("button", name="Convert now").click()
        await page.wait_for_url(re.compile(r".*/app/convert\?done=\d+$"))
        assert await page.locator("#done").inner_text() == "Done: 1,000 SKY into 800 points."
        await shot(page, "23-converted-in")

        await _quote_and_convert(page, base, "From points into the program", "1000")
        assert await page.locator("#get").inner_text() == "1,250 SKY"
        await shot(page, "24-quote-out")
        await page.get_by_role("button", name="Convert now").click()
        await page.wait_for_url(re.compile(r".*/app/convert\?done=\d+$"))
        assert "your points are held until Demo Airline confirms" in (
            await page.locator("#done").inner_text()
        )
        assert "Waiting for the partner" in await page.locator("#conversions").inner_text()
        await page.goto(f"{base}/app")
        assert await page.locator("#available").inner_text() == "9,800"  # 10,000 + 800 - 1,000
        await shot(page, "25-pending-out")

        await _airline_confirms(base, issued.secret)
        await page.goto(f"{base}/app/convert")
        rows = await page.locator("#conversions tbody tr").all_inner_texts()
        assert len(rows) == 2 and all("Done" in row for row in rows)
        await page.get_by_role("link", name="History", exact=True).click()
        history = await page.content()
        assert "Converted into 1,250 SKY at Demo Airline" in history
        assert "Converted 1,000 SKY from Demo Airline into points" in history
        await shot(page, "26-history-after-conversions")

        await page.get_by_label("Language").select_option("ro")
        await page.get_by_role("button", name="Change").click()
        await page.goto(f"{base}/app/convert")
        assert "Conversia punctelor cu programele partenerilor" in await page.content()
        await shot(page, "27-convert-ro")
        await context.close()
    assert await program.balance(ids["ana"]) == {"balance": 9_800, "held": 0, "debt": 0}
    assert await program.audit() == []
