"""Linking a card takes proof: a code sent to the email or phone of the member that has the
card, typed back by the member asking. Nobody learns whether a card exists; asking and wrong
codes are rate limited; a code works for one member and one card; concurrent links of one
card move it once."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest
from web_client import CSRF, Web, WebClient
from webapp_support import Outbox, Program, base_time

from exchange.kit.db import transaction
from exchange.kit.settings import Settings
from exchange.ledger import members
from exchange.ledger.members import luhn_check_digit
from exchange.portal import card_links, codes
from exchange.portal.errors import InvalidCardLinkCode, RateLimited
from exchange.portal.hashing import portal_key

SETTINGS = Settings(database_url="postgresql://unused/by-tests")


def card(body: str) -> str:
    """A Luhn-valid card number from its first 15 digits."""
    return body + luhn_check_digit(body)


PHONE_CARD = card("639011112222333")
MUTE_CARD = card("639044445555666")
CLOSED_CARD = card("639077778888999")
UNKNOWN_CARD = card("639012121212121")


async def _coalition(program: Program) -> dict[str, int]:
    """Ana has two records: one by email (she logs in with it) and one by phone, enrolled
    at a till with a card that has 300 points; a till card with no contact; a closed one."""
    fuel = await program.partner("FUEL", earn_rate="1")
    ana = await program.member(fuel, email="ana@example.com")
    ana_phone = await program.member(fuel, phone="+37360000002", card_number=PHONE_CARD)
    await program.member(fuel, card_number=MUTE_CARD)
    closed = await program.member(fuel, email="gone@example.com", card_number=CLOSED_CARD)
    async with transaction(program.pool) as conn:
        await members.close(conn, closed, base_time())
    await program.ledger.earn(ana_phone, fuel, "300.00", now=base_time())
    eve = await program.member(fuel, email="eve@example.com")
    return {"fuel": fuel, "ana": ana, "ana_phone": ana_phone, "eve": eve}


async def _ask(browser: WebClient, number: str) -> tuple[int, str, str]:
    """Ask to link ``number``: the answer's status, where it leads, and that page."""
    await browser.get("/app/cards")
    asked = await browser.post("/app/cards", {"card": number})
    location = asked.headers.get("location", "")
    page = (await browser.get(location)).text if location else asked.text
    return asked.status_code, location, page


async def test_a_code_to_the_cards_holder_links_it(program: Program, web: Web) -> None:
    ids = await _coalition(program)
    ana = web()
    await ana.log_in("ana@example.com")
    status, location, page = await _ask(ana, "6390 1111 2222 333" + PHONE_CARD[-1])
    assert (status, location) == (303, "/app/cards/confirm")
    assert f"ending in {PHONE_CARD[-4:]} can be linked" in page
    ((ending, code),) = ana.codes.card_codes  # sent to the phone record, not to Ana's email
    assert ending == PHONE_CARD[-4:]
    linked = await ana.post("/app/cards/confirm", {"code": code})
    assert linked.headers["location"] == f"/app/cards?linked={PHONE_CARD[-4:]}"
    cards_page = await ana.get(linked.headers["location"])
    assert PHONE_CARD in cards_page.text and "is now linked to your account" in cards_page.text
    async with transaction(program.pool) as conn:
        assert await members.find(conn, partner_id=None, card_number=PHONE_CARD) == ids["ana"]
    (row,) = await program.rows("SELECT card_number FROM members WHERE id = %s", ids["ana_phone"])
    assert row["card_number"] is None
    # the points earned with the card stay with the record that earned them
    assert (await program.balance(ids["ana_phone"]))["balance"] == 300
    assert (await program.balance(ids["ana"]))["balance"] == 0
    again = await ana.post("/app/cards/confirm", {"code": code})  # the cookie is gone
    assert again.headers["location"] == "/app/cards"
    mine, _, page = await _ask(ana, PHONE_CARD)
    assert mine == 400 and "already linked to your account" in page
    assert await program.audit() == []


@pytest.mark.parametrize("number", [UNKNOWN_CARD, MUTE_CARD, CLOSED_CARD])
async def test_a_card_nobody_can_prove_gets_the_same_answers(
    program: Program, web: Web, number: str
) -> None:
    await _coalition(program)
    eve, ana = web(), web()
    await eve.log_in("eve@example.com")
    await ana.log_in("ana@example.com")
    real = await _ask(eve, PHONE_CARD)
    other = await _ask(ana, number)
    assert len(eve.codes.card_codes) == 1  # the real holder only: nothing for the other card
    assert (real[0], real[1]) == (other[0], other[1]) == (303, "/app/cards/confirm")
    assert _same_page(real[2], PHONE_CARD) == _same_page(other[2], number)
    wrong_real = await eve.post("/app/cards/confirm", {"code": "000000"})
    wrong_other = await ana.post("/app/cards/confirm", {"code": "000000"})
    assert wrong_real.status_code == wrong_other.status_code == 400
    assert "This code is wrong or has expired" in wrong_other.text
    assert _same_page(wrong_real.text, PHONE_CARD) == _same_page(wrong_other.text, number)


def _same_page(text: str, number: str) -> str:
    """The page but for what differs by design: the CSRF token, the card's last digits."""
    return CSRF.sub("", text).replace(number[-4:], "####")


@dataclass
class Links:
    """Asking and confirming through ``card_links``, members named as in ``_coalition``."""

    program: Program
    ids: dict[str, int]
    outbox: Outbox = field(default_factory=Outbox)

    async def ask(self, member: str, number: str, at: datetime, ip: str = "10.0.0.1") -> str | None:
        """The code sent, if one was."""
        sent = len(self.outbox.sent)
        await card_links.request_link(
            self.program.pool,
            SETTINGS,
            self.outbox,
            member_id=self.ids[member],
            card_number=number,
            address=ip,
            now=at,
        )
        return self.outbox.last if len(self.outbox.sent) > sent else None

    async def confirm(
        self, member: str, number: str, code: str | None, at: datetime, ip: str = "10.0.0.1"
    ) -> str:
        """The card linked, or the refusal's code."""
        try:
            return await card_links.confirm_link(
                self.program.pool,
                SETTINGS,
                member_id=self.ids[member],
                card_number=number,
                code=code or "",
                address=ip,
                now=at,
            )
        except (InvalidCardLinkCode, RateLimited) as refused:
            return refused.code


async def test_a_code_works_for_its_member_and_card_only(program: Program) -> None:
    links = Links(program, await _coalition(program))
    now, wrong = base_time(), "INVALID_CARD_LINK_CODE"
    eves = await links.ask("eve", PHONE_CARD, now)
    (recipient, _, sent_for) = links.outbox.sent[-1]
    assert (recipient.member_id, recipient.channel, recipient.address, sent_for) == (
        links.ids["ana_phone"],
        "phone",
        "+37360000002",
        PHONE_CARD,
    )
    assert await links.confirm("ana", PHONE_CARD, eves, now) == wrong  # Eve's is not Ana's
    anas = await links.ask("ana", PHONE_CARD, now)
    assert anas is not None
    async with transaction(program.pool) as conn:  # a login code of the holder links nothing
        login, _ = await codes.issue(
            conn,
            links.ids["ana_phone"],
            key=portal_key(SETTINGS),
            lifetime=timedelta(minutes=10),
            now=now,
        )
    assert await links.confirm("ana", PHONE_CARD, login, now) == wrong
    assert await links.confirm("ana", PHONE_CARD, f"{(int(anas) + 1) % 10**6:06d}", now) == wrong
    expired = await links.confirm("ana", PHONE_CARD, anas, now + timedelta(minutes=10))
    assert expired == wrong
    fresh = await links.ask("ana", PHONE_CARD, now)
    assert await links.confirm("ana", PHONE_CARD, fresh, now) == PHONE_CARD
    assert await links.confirm("ana", PHONE_CARD, fresh, now) == wrong  # used


async def test_asking_and_wrong_codes_are_rate_limited(program: Program) -> None:
    links = Links(program, await _coalition(program))
    now = base_time()
    for minute in range(3):  # the holder gets three codes an hour, whoever asks
        who = "eve" if minute % 2 else "ana"
        await links.ask(who, PHONE_CARD, now + timedelta(minutes=minute))
    with pytest.raises(RateLimited) as limited:
        await links.ask("ana", PHONE_CARD, now + timedelta(minutes=3), ip="10.9.9.9")
    assert 3_300 < limited.value.retry_after <= 3_600
    assert len(links.outbox.sent) == 3
    assert await links.ask("ana", PHONE_CARD, now + timedelta(hours=1, seconds=1))
    for n in range(4):  # five asks an hour per member, whatever the card
        await links.ask("eve", card(f"63901234567890{n}"), now + timedelta(minutes=n))
    with pytest.raises(RateLimited):
        await links.ask("eve", UNKNOWN_CARD, now + timedelta(minutes=5))

    later = now + timedelta(hours=3)
    for n in range(10):
        number, ip = card(f"63905555555555{n}"), f"10.1.0.{n}"
        assert await links.confirm("ana", number, "123456", later, ip) == "INVALID_CARD_LINK_CODE"
    code = await links.ask("ana", PHONE_CARD, later)
    # ten wrong codes an hour per member: even the right one waits
    assert await links.confirm("ana", PHONE_CARD, code, later, "10.2.0.1") == "RATE_LIMITED"


async def test_over_the_web_a_flood_is_told_to_wait(program: Program, web: Web) -> None:
    await _coalition(program)
    eve = web()
    await eve.log_in("eve@example.com")
    for _ in range(3):
        assert (await _ask(eve, PHONE_CARD))[0] == 303
    status, _, page = await _ask(eve, PHONE_CARD)
    assert status == 429 and "Too many attempts" in page
    typo = await _ask(eve, PHONE_CARD[:-1] + str((int(PHONE_CARD[-1]) + 1) % 10))
    assert typo[0] == 400 and "exactly as printed" in typo[2]
    assert (await eve.get("/app/cards/confirm")).headers.get("location") is None  # still pending


async def test_concurrent_links_of_one_card_move_it_once(program: Program) -> None:
    links = Links(program, await _coalition(program))
    now = base_time()
    sent = {member: await links.ask(member, PHONE_CARD, now) for member in ("ana", "eve")}
    results = await asyncio.gather(
        *(links.confirm(member, PHONE_CARD, code, now) for member, code in sent.items())
    )
    assert sorted(results) == sorted([PHONE_CARD, "INVALID_CARD_LINK_CODE"])
    owners = await program.rows(
        "SELECT member_id FROM member_cards WHERE card_number = %s", PHONE_CARD
    )
    assert len(owners) == 1 and owners[0]["member_id"] in (links.ids["ana"], links.ids["eve"])
