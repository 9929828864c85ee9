# ruff: noqa: RUF001 (Russian text on the pages)
"""The web app in a real browser: Debian's chromium, headless, driven by Playwright. A member
logs in with the code from the development sender, sees the balance a GraphQL earn just made,
pages through history, switches language, transfers points, cannot open another member's
transaction by its URL, and logs out. Each page is saved as a screenshot for review."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from browser_support import CHROMIUM, shot
from live_server import serve
from web_client import CodeLog
from webapp_support import Program, base_time

from exchange.kit.db import transaction
from exchange.kit.settings import Settings
from partners import keys

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"
    ),
]

EARN = """mutation($input: EarnPointsInput!) { earnPoints(input: $input) {
  transaction { points } userErrors { code message } } }"""


async def test_a_member_in_a_real_browser(
    program: Program, fresh_url: str, code_log: CodeLog, browser: Any
) -> None:
    fuel = await program.partner("FUEL", name="Demo Fuel Station", earn_rate="1")
    await program.partner("GROCER", name="Demo Grocer", earn_rate="2", redemption_value="0.010")
    ana = await program.member(fuel, email="ana@example.com")
    ben = await program.member(fuel, email="ben@example.com")
    for n in range(30):  # history to page through: 30 earns of 2 points
        await program.ledger.earn(ana, fuel, "2.00", now=base_time(), order_id=f"old-{n}")
    bens_entry = (await program.ledger.earn(ben, fuel, "9.00", now=base_time())).transaction_id
    async with transaction(program.pool) as conn:
        api_key = (await keys.create_key(conn, role="partner", partner_id=fuel, name="t")).secret
    settings = Settings(database_url=fresh_url, pool_size=4, transfer_daily_limit_points=500)

    with serve(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            earned = await http.post(
                "/graphql",
                headers={"authorization": f"Bearer {api_key}"},
                json={
                    "query": EARN,
                    "variables": {
                        "input": {
                            "memberId": f"{_gid('Member', ana)}",
                            "orderId": "live-1",
                            "amount": {"amount": "125.00", "currency": "EUR"},
                            "idempotencyKey": "browser-earn-1",
                        }
                    },
                },
            )
        assert earned.json()["data"]["earnPoints"]["transaction"] == {"points": 125}

        context = await browser.new_context(locale="en-GB")
        page = await context.new_page()
        await page.goto(f"{base}/app")
        assert page.url.endswith("/app/login")
        await page.keyboard.press("Tab")
        assert await page.evaluate("document.activeElement.className") == "skip"
        await shot(page, "01-login")
        await page.get_by_label("Email or phone number").fill("ana@example.com")
        await page.get_by_role("button", name="Send me a code").click()
        await page.wait_for_url("**/app/login/code")
        await shot(page, "02-code")
        await page.get_by_label("Code").fill(code_log.codes[-1])
        await page.get_by_role("button", name="Log in").click()
        await page.wait_for_url(f"{base}/app")
        assert await page.locator("#available").inner_text() == "185"  # 30 x 2 + 125
        assert "Purchase of €125.00 at Demo Fuel Station" in await page.content()
        await shot(page, "03-dashboard")

        await page.get_by_role("link", name="History", exact=True).click()
        assert await page.locator("tbody tr").count() == 20
        await shot(page, "04-history")
        await page.get_by_role("link", name="Older").click()
        assert await page.locator("tbody tr").count() == 11  # 31 lines in all
        await page.get_by_role("link", name="Newer").click()
        assert await page.locator("tbody tr").count() == 20

        for name, path in (
            ("05-expiry", "/app/expiry"),
            ("06-chart", "/app/chart"),
            ("07-partners", "/app/partners"),
            ("08-cards", "/app/cards"),
        ):
            await page.goto(f"{base}{path}")
            await shot(page, name)
        assert await page.locator("svg polyline").count() == 0  # the cards page
        await page.goto(f"{base}/app/chart")
        assert await page.locator("svg polyline").count() == 1

        await page.get_by_label("Language").select_option("ru")
        await page.get_by_role("button", name="Change").click()
        assert await page.locator("html").get_attribute("lang") == "ru"
        await page.goto(f"{base}/app")
        assert "Ваши баллы" in await page.content()
        await shot(page, "09-dashboard-ru")

        await page.goto(f"{base}/app/transfer")
        await page.get_by_label("Адрес электронной почты участника").fill("ben@example.com")
        await page.get_by_label("Номер карты участника").fill(await program.card_of(ben))
        await page.get_by_label("Баллы").fill("50")
        await page.get_by_role("button", name="Отправить баллы").click()
        await page.wait_for_url(re.compile(r".*/app/transactions/\d+"))
        assert "Отправлено другому участнику" in await page.content()
        await shot(page, "10-transfer-done-ru")
        await page.goto(f"{base}/app")
        assert await page.locator("#available").inner_text() == "135"

        answer = await page.goto(f"{base}/app/transactions/{bens_entry}")
        assert answer is not None and answer.status == 404
        assert "Не найдено" in await page.content()
        await shot(page, "11-someone-elses-transaction-ru")

        await page.get_by_role("button", name="Выйти").click()
        await page.wait_for_url("**/app/login")
        await page.goto(f"{base}/app")
        assert page.url.endswith("/app/login")
        await context.close()
    assert await program.audit() == []


def _gid(kind: str, db_id: int) -> str:
    from exchange.kit.ids import to_global_id

    return to_global_id(kind, db_id)
