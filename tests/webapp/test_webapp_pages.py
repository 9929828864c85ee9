"""The web app over HTTP (in-process): login by code, every page, CSRF, revocation, languages,
transfers and cards from forms; one member never reaches another's data through a URL."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

from web_client import Web
from webapp_support import Program, base_time

from exchange.kit.db import transaction
from exchange.ledger import members
from partners.tiers import checks, setting

PAGES = (
    "/app",
    "/app/history",
    "/app/expiry",
    "/app/chart",
    "/app/partners",
    "/app/transfer",
    "/app/cards",
)


async def _two_members(program: Program) -> tuple[int, int, int]:
    fuel = await program.partner("FUEL", name="Fuel Station", earn_rate="2")
    ana = await program.member(fuel, email="ana@example.com")
    ben = await program.member(fuel, email="ben@example.com", phone="+37360000001")
    now = base_time()
    await program.ledger.earn(ana, fuel, "600.00", now=now)
    await program.ledger.earn(ben, fuel, "50.00", now=now)
    return fuel, ana, ben


async def test_log_in_with_a_code_see_every_page_and_log_out(program: Program, web: Web) -> None:
    await _two_members(program)
    ana = web()
    assert (await ana.get("/app")).headers["location"] == "/app/login"
    await ana.log_in("ana@example.com")
    dashboard = await ana.get("/app")
    assert dashboard.status_code == 200
    assert 'id="available">1,200<' in dashboard.text
    assert "content-security-policy" in dashboard.headers
    cookie = dashboard.request.headers["cookie"]
    assert "xch_session=" in cookie
    for path in PAGES:
        page = await ana.get(path)
        assert page.status_code == 200, (path, page.text)
        assert '<html lang="en">' in page.text
    assert "<svg" in (await ana.get("/app/chart")).text
    assert "Your tier" not in dashboard.text  # no tiers in the program: no section
    assert "Fuel Station" in (await ana.get("/app/partners")).text
    await ana.get("/app")
    logged_out = await ana.post("/app/logout", {})
    assert logged_out.headers["location"] == "/app/login"
    assert (await ana.get("/app")).headers["location"] == "/app/login"


async def test_the_dashboard_shows_the_tier_and_the_way_to_the_next(
    program: Program, web: Web
) -> None:
    await _two_members(program)  # ana: 1,200 points earned
    async with transaction(program.pool) as conn:
        await setting.set_tiers(
            conn,
            checks.ladder(
                [
                    checks.NewLevel("Silver", 1000, Decimal("1.25"), "Priority line"),
                    checks.NewLevel("Gold", 5000, Decimal("1.5"), "Lounge"),
                ],
                window=timedelta(days=365),
                review_every=timedelta(days=90),
                grace_days=14,
            ),
            effective_from=None,
            caller="admin",
            key="tiers",
            actor="test",
            now=base_time() - timedelta(days=1),
        )
    fuel = await program.partner("GROCER")
    ana = await program.member(fuel, email="ana2@example.com")
    await program.ledger.earn(ana, fuel, "1200.00", now=base_time())  # reaches Silver
    client = web()
    await client.log_in("ana2@example.com")
    page = (await client.get("/app")).text
    assert "Your tier" in page and "<strong>Silver</strong>" in page
    assert "\u00d71.25" in page  # the multiplication sign
    assert "1,200 of 5,000 qualifying points to Gold" in page
    assert 'aria-valuenow="1200"' in page and "width: 24.0%" in page


async def test_the_session_cookie_is_httponly_and_lax(program: Program, web: Web) -> None:
    await _two_members(program)
    ana = web()
    await ana.get("/app/login")
    await ana.post("/app/login", {"identifier": "ana@example.com"})
    await ana.get("/app/login/code")
    entered = await ana.post("/app/login/code", {"code": ana.codes.codes[-1]})
    set_cookie = [v for k, v in entered.headers.multi_items() if k == "set-cookie"]
    (session,) = [c for c in set_cookie if c.startswith("xch_session=")]
    assert "HttpOnly" in session and "SameSite=lax" in session and "Secure" not in session
    assert "Max-Age=43200" in session


async def test_a_wrong_code_and_an_unknown_address_answer_alike(program: Program, web: Web) -> None:
    await _two_members(program)
    ana = web()
    await ana.get("/app/login")
    await ana.post("/app/login", {"identifier": "nobody@example.com"})
    await ana.get("/app/login/code")
    refused = await ana.post("/app/login/code", {"code": "123456"})
    assert refused.status_code == 400
    assert "This code is wrong or has expired" in refused.text


async def test_forms_without_the_csrf_token_are_refused(program: Program, web: Web) -> None:
    await _two_members(program)
    ana, ben = web(), web()
    await ana.log_in("ana@example.com")
    await ben.log_in("ben@example.com")
    await ana.get("/app/transfer")
    transfer = {"email": "ben@example.com", "points": "10", "key": "k1"}
    assert (await ana.post("/app/transfer", transfer, csrf="")).status_code == 403
    assert (await ana.post("/app/transfer", transfer, csrf="0" * 64)).status_code == 403
    await ben.get("/app/transfer")
    bens_token = ben.csrf()  # a valid token, of another session
    refused = await ana.post("/app/transfer", transfer, csrf=bens_token)
    assert refused.status_code == 403
    assert "This form has expired" in refused.text
    assert await program.rows("SELECT id FROM journal_entries WHERE kind = 'TRANSFER_OUT'") == []
    await ana.get("/app")
    assert (await ana.post("/app/logout", {}, csrf="nope")).status_code == 403


async def test_logging_out_everywhere_revokes_every_session(program: Program, web: Web) -> None:
    await _two_members(program)
    phone, laptop = web(), web()
    await phone.log_in("ana@example.com")
    await laptop.log_in("ana@example.com")
    await laptop.get("/app")
    await laptop.post("/app/logout", {"everywhere": "1"})
    assert (await phone.get("/app")).status_code == 303
    rows = await program.rows("SELECT revoked_at IS NOT NULL AS revoked FROM member_sessions")
    assert rows == [{"revoked": True}, {"revoked": True}]


async def test_another_members_data_is_never_reachable_by_url(program: Program, web: Web) -> None:
    _, ana_id, ben_id = await _two_members(program)
    ana = web()
    await ana.log_in("ana@example.com")
    bens = await program.rows("SELECT id FROM journal_entries WHERE member_id = %s", ben_id)
    anas = await program.rows("SELECT id FROM journal_entries WHERE member_id = %s", ana_id)
    assert (await ana.get(f"/app/transactions/{anas[0]['id']}")).status_code == 200
    for entry in bens:
        page = await ana.get(f"/app/transactions/{entry['id']}")
        assert page.status_code == 404
        assert "Purchase of" not in page.text
    for query in (f"?before={bens[0]['id'] + 1}", f"?after={bens[0]['id'] - 1}", "?partner=FUEL"):
        page = await ana.get(f"/app/history{query}")
        assert page.status_code == 200
        shown = set(map(int, re.findall(r'href="/app/transactions/(\d+)"', page.text)))
        assert shown <= {row["id"] for row in anas}
    assert (await ana.get("/app/transactions/not-a-number")).status_code == 404


async def test_history_pages_and_filters(program: Program, web: Web) -> None:
    fuel, ana_id, _ = await _two_members(program)
    grocer = await program.partner("GROCER", name="Green Grocer")
    async with transaction(program.pool) as conn:
        await members.link(conn, member_id=ana_id, partner_id=grocer, external_id=None)
    now = base_time()
    for n in range(25):
        await program.ledger.earn(
            ana_id, grocer if n % 5 == 0 else fuel, "1.00", now=now + timedelta(minutes=n)
        )
    ana = web()
    await ana.log_in("ana@example.com")
    first = await ana.get("/app/history")
    ids = list(map(int, re.findall(r'href="/app/transactions/(\d+)"', first.text)))
    assert len(ids) == 20 and ids == sorted(ids, reverse=True)
    older = re.search(r'href="(/app/history\?before=\d+)"', first.text)
    assert older and "Newer" not in first.text
    second = await ana.get(older.group(1))
    more = list(map(int, re.findall(r'href="/app/transactions/(\d+)"', second.text)))
    assert len(more) == 6 and max(more) < min(ids)  # 26 lines in all
    newer = re.search(r'href="(/app/history\?after=\d+)"', second.text)
    assert newer
    back = await ana.get(newer.group(1).replace("&amp;", "&"))
    assert list(map(int, re.findall(r'href="/app/transactions/(\d+)"', back.text))) == ids
    grocer_only = await ana.get("/app/history?partner=GROCER&kind=EARN")
    assert len(re.findall(r'href="/app/transactions/(\d+)"', grocer_only.text)) == 5
    assert "Purchase of €1.00 at Green Grocer" in grocer_only.text
    assert "Green Grocer" in grocer_only.text and "Funded by" in grocer_only.text


async def test_languages_by_choice_then_accept_language(program: Program, web: Web) -> None:
    await _two_members(program)
    ana = web()
    await ana.log_in("ana@example.com")
    russian = await ana.get("/app", headers={"accept-language": "ru-RU,ru;q=0.9,en;q=0.5"})
    assert '<html lang="ru">' in russian.text and "Ваши баллы" in russian.text
    assert 'id="available">1 200<' in russian.text.replace("\xa0", " ")
    await ana.post("/app/language", {"language": "ro", "next": "/app/history"})
    romanian = await ana.get("/app", headers={"accept-language": "ru"})
    assert '<html lang="ro">' in romanian.text and "Punctele dvs." in romanian.text
    assert 'id="available">1.200<' in romanian.text
    chosen = await ana.post("/app/language", {"language": "en", "next": "https://evil.example"})
    assert chosen.headers["location"] == "/app"


async def test_transfer_from_the_form(program: Program, web: Web) -> None:
    _, _, ben_id = await _two_members(program)
    ana = web()
    await ana.log_in("ana@example.com")
    await ana.get("/app/transfer")
    key = re.search(r'name="key" value="([^"]+)"', ana.last_page)
    assert key
    card = await program.card_of(ben_id)
    form = {"email": "ben@example.com", "card": card, "points": "150", "key": key.group(1)}
    sent = await ana.post("/app/transfer", form)
    assert sent.status_code == 303 and sent.headers["location"].startswith("/app/transactions/")
    await ana.get("/app/transfer")
    again = await ana.post("/app/transfer", form)  # the same form twice moves points once
    assert again.headers["location"] == sent.headers["location"]
    assert (await program.balance(ben_id))["balance"] == 250
    await ana.get("/app/transfer")
    over = await ana.post("/app/transfer", {**form, "points": "900", "key": "other"})
    assert over.status_code == 400
    assert "more than you may still transfer today" in over.text
    await ana.get("/app/transfer")
    unknown = await ana.post("/app/transfer", {**form, "email": "x@example.com", "key": "k3"})
    assert unknown.status_code == 400
    assert "No member has this email address and card number" in unknown.text
    detail = await ana.get(sent.headers["location"])
    assert "Sent to another member" in detail.text and "\N{MINUS SIGN}150" in detail.text
