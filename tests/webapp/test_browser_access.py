"""Accessibility and languages in a real browser: a member logs in with the keyboard alone;
every page, in English, Russian and Romanian, has a label on every field, text with enough
contrast, a focus ring that can be seen on everything the Tab key reaches, and numbers, money
and dates written the language's way. Screenshots go to ``screenshots/access/``."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from browser_support import CHROMIUM, audit, shot, tab_through
from live_server import serve
from web_client import CodeLog
from webapp_support import Program, base_time

from exchange.gateway.webapp.i18n import Formats
from exchange.kit.settings import Settings
from exchange.ledger.members import luhn_check_digit

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="needs Debian's chromium: apt-get install chromium"
    ),
]
FOLDER = "access"
LIMIT = 5000
PHONE_CARD = "639011112222333" + luhn_check_digit("639011112222333")
LOCALES = {"en": "en-GB", "ru": "ru-RU", "ro": "ro-RO"}
IDENTIFIER = {
    "en": "Email or phone number",
    "ru": "Эл. почта или номер телефона",
    "ro": "E-mail sau număr de telefon",
}


async def _coalition(program: Program) -> dict[str, int]:
    fuel = await program.partner("FUEL", name="Fuel Station", earn_rate="1")
    ids = {
        "fuel": fuel,
        "ana": await program.member(fuel, email="ana@example.com"),
        "ben": await program.member(fuel, email="ben@example.com"),
        "phone": await program.member(fuel, phone="+37360000002", card_number=PHONE_CARD),
    }
    at = base_time()
    for n, amount in enumerate(("1250.00", "40.00", "7.00")):
        await program.ledger.earn(ids["ana"], fuel, amount, now=at, order_id=f"o{n}")
    return ids


def _settings(url: str) -> Settings:
    return Settings(database_url=url, pool_size=4, transfer_daily_limit_points=LIMIT)


async def _focus_is_visible(page: Any, where: str) -> int:
    """Tab through the page: every stop has a ring to see; how many stops there were."""
    stops = await tab_through(page)
    assert stops, where
    for stop in stops:
        assert stop.visible, (where, stop)
    return len(stops)


async def _keyboard_login(page: Any, base: str, codes: CodeLog, language: str) -> None:
    """From the login page to the dashboard with the keyboard alone."""
    await page.goto(f"{base}/app/login")
    await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.className") == "skip"
    for _ in range(10):
        if await page.evaluate("document.activeElement.id") == "identifier":
            break
        await page.keyboard.press("Tab")
    assert await page.evaluate("document.activeElement.id") == "identifier"
    assert await page.get_by_label(IDENTIFIER[language]).evaluate(
        "el => el === document.activeElement"
    )
    await page.keyboard.type("ana@example.com")
    await page.keyboard.press("Enter")
    await page.wait_for_url("**/app/login/code")
    for _ in range(10):
        if await page.evaluate("document.activeElement.id") == "code":
            break
        await page.keyboard.press("Tab")
    await page.keyboard.type(codes.codes[-1])
    await page.keyboard.press("Enter")
    await page.wait_for_url(f"{base}/app")


async def test_log_in_with_the_keyboard_alone(
    program: Program, fresh_url: str, code_log: CodeLog, browser: Any
) -> None:
    await _coalition(program)
    with serve(_settings(fresh_url)) as base:
        context = await browser.new_context(locale="en-GB")
        page = await context.new_page()
        await page.goto(f"{base}/app/login")
        assert await _focus_is_visible(page, "login") >= 4  # skip link, language, field, button
        await page.keyboard.press("Tab")
        await shot(page, f"{FOLDER}/keyboard-01-skip-link")
        await _keyboard_login(page, base, code_log, "en")
        assert await page.locator("#available").inner_text() == "1,297"
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")  # the skip link moves on to the content
        assert page.url.endswith("/app#main")
        await shot(page, f"{FOLDER}/keyboard-02-dashboard")
        await context.close()


def _pages(ids: dict[str, int], entry: int) -> list[tuple[str, str]]:
    return [
        ("dashboard", "/app"),
        ("history", "/app/history"),
        ("transaction", f"/app/transactions/{entry}"),
        ("expiry", "/app/expiry"),
        ("chart", "/app/chart"),
        ("partners", "/app/partners"),
        ("transfer", "/app/transfer"),
        ("cards", "/app/cards"),
        ("convert", "/app/convert"),
        ("pools", "/app/pools"),
        ("not-found", f"/app/transactions/{entry + 10_000}"),
    ]


async def _check_page(page: Any, where: str) -> None:
    assert await audit(page) == [], where
    await _focus_is_visible(page, where)


@pytest.mark.parametrize("language", ["en", "ru", "ro"])
async def test_every_page_is_accessible_and_in_the_language(
    program: Program, fresh_url: str, code_log: CodeLog, browser: Any, language: str
) -> None:
    ids = await _coalition(program)
    (entry,) = await program.rows(
        "SELECT id, posted_at FROM journal_entries WHERE member_id = %s ORDER BY id DESC LIMIT 1",
        ids["ana"],
    )
    formats = Formats(language)
    with serve(_settings(fresh_url)) as base:
        context = await browser.new_context(locale=LOCALES[language])
        page = await context.new_page()
        await page.goto(f"{base}/app/login")
        assert await page.locator("html").get_attribute("lang") == language
        await _check_page(page, f"{language} login")
        await shot(page, f"{FOLDER}/{language}-01-login")
        await _keyboard_login(page, base, code_log, language)
        for name, path in _pages(ids, entry["id"]):
            await page.goto(f"{base}{path}")
            await _check_page(page, f"{language} {name}")
            await shot(page, f"{FOLDER}/{language}-{name}")

        # numbers, money and dates the language's way
        await page.goto(f"{base}/app")
        assert await page.locator("#available").inner_text() == formats.number(1297)
        await page.goto(f"{base}/app/transfer")
        assert formats.number(LIMIT) in await page.inner_text("main")
        await page.goto(f"{base}/app/partners")
        assert formats.price(Decimal("0.008"), "EUR") in await page.inner_text("main")
        await page.goto(f"{base}/app/history")
        first_date = await page.locator("tbody tr td").first.inner_text()
        assert first_date == formats.date(entry["posted_at"])
        assert formats.money(Decimal("1250.00"), "EUR") in await page.inner_text("main")

        # the pages this work changed, with a refusal showing
        await page.goto(f"{base}/app/transfer")
        await page.locator("#email").fill("nobody@example.com")
        await page.locator("#card").fill(PHONE_CARD)
        await page.locator("#points").fill("10")
        await page.locator("#points").press("Enter")
        error = page.locator("#error")
        assert await error.get_attribute("role") == "alert"
        assert "error" in (await page.locator("#card").get_attribute("aria-describedby") or "")
        await _check_page(page, f"{language} transfer refused")
        await shot(page, f"{FOLDER}/{language}-transfer-refused")

        await page.goto(f"{base}/app/cards")
        await page.locator("#card").fill(PHONE_CARD)
        await page.locator("#card").press("Enter")
        await page.wait_for_url("**/app/cards/confirm")
        await _check_page(page, f"{language} card code")
        await shot(page, f"{FOLDER}/{language}-card-code")
        await page.locator("#code").fill("000000")
        await page.locator("#code").press("Enter")
        assert await page.locator("#code").get_attribute("aria-invalid") == "true"
        await _check_page(page, f"{language} card code refused")
        await shot(page, f"{FOLDER}/{language}-card-code-refused")
        (_, code) = code_log.card_codes[-1]
        await page.locator("#code").fill(code)
        await page.locator("#code").press("Enter")
        await page.wait_for_url("**/app/cards?linked=*")
        assert PHONE_CARD in await page.content()
        await _check_page(page, f"{language} card linked")
        await shot(page, f"{FOLDER}/{language}-card-linked")
        await context.close()
