"""Transfers name the recipient by id, or by email with one of its card numbers: a pair that
names nobody is one refusal whichever half is wrong, so no member learns which emails are
members; five such refusals an hour per sender, also under concurrency, then RATE_LIMITED."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from web_client import Web
from webapp_support import Program, base_time

from exchange.kit.errors import ExchangeError
from exchange.ledger.members import luhn_check_digit
from exchange.portal.giving import send_points

NOBODYS_CARD = "639012345678901" + luhn_check_digit("639012345678901")


async def _members(program: Program) -> dict[str, int]:
    fuel = await program.partner("FUEL")
    ids = {
        "fuel": fuel,
        "ana": await program.member(fuel, email="ana@example.com"),
        "ben": await program.member(fuel, email="ben@example.com"),
    }
    await program.ledger.earn(ids["ana"], fuel, "500.00", now=base_time())
    return ids


async def _send(
    program: Program,
    sender: int,
    *,
    email: str | None = None,
    card: str | None = None,
    to: int | None = None,
    points: int = 10,
    key: str,
    now: datetime,
) -> str:
    """The TRANSFER_OUT's id, or the refusal's code, field and message."""
    try:
        outcome = await send_points(
            program.pool,
            sender_id=sender,
            to_member_id=to,
            to_email=email,
            to_card_number=card,
            points=points,
            idempotency_key=key,
            daily_limit=10_000,
            now=now,
        )
    except ExchangeError as refused:
        return f"{refused.code} {refused.field} {refused.message}"
    return str(outcome.transaction_id)


async def test_a_pair_that_names_nobody_is_one_refusal(program: Program) -> None:
    ids, now = await _members(program), base_time()
    ana, ben_card = ids["ana"], await program.card_of(ids["ben"])
    ana_card = await program.card_of(ana)
    nobody = "MEMBER_NOT_FOUND ['toEmail'] no member has this email and card number"
    assert (
        await _send(program, ana, email="nobody@example.com", card=ben_card, key="1", now=now)
        == nobody
    )
    assert (
        await _send(program, ana, email="ben@example.com", card=NOBODYS_CARD, key="2", now=now)
        == nobody
    )
    assert (
        await _send(program, ana, email="ben@example.com", card=ana_card, key="3", now=now)
        == nobody
    )
    assert (
        await _send(program, ana, email="BEN@example.com ", card=ben_card, key="4", now=now)
        != nobody
    )
    missing = await _send(program, ana, email="ben@example.com", key="5", now=now)
    assert missing.startswith("INVALID_INPUT ['toCardNumber']")
    typo = await _send(program, ana, email="ben@example.com", card="1234567", key="6", now=now)
    assert typo.startswith("INVALID_INPUT ['toCardNumber']")
    assert (await program.balance(ids["ben"]))["balance"] == 10
    # a card linked to the account names the member too
    await program.rows(
        "INSERT INTO member_cards (card_number, member_id, linked_at) VALUES (%s, %s, %s)"
        " RETURNING member_id",
        NOBODYS_CARD,
        ids["ben"],
        now,
    )
    assert (
        await _send(program, ana, email="ben@example.com", card=NOBODYS_CARD, key="7", now=now)
        != nobody
    )
    assert (await program.balance(ids["ben"]))["balance"] == 20
    assert await program.audit() == []


async def test_five_refusals_an_hour_then_rate_limited(program: Program) -> None:
    ids, now = await _members(program), base_time()
    ana, ben = ids["ana"], ids["ben"]
    ben_card = await program.card_of(ben)
    for n in range(3):  # transfers that go through count nothing
        sent = await _send(
            program, ana, email="ben@example.com", card=ben_card, key=f"ok{n}", now=now
        )
        assert sent.isdigit()
    guesses = [f"guess{n}@example.com" for n in range(5)]
    for n, email in enumerate(guesses):
        at = now + timedelta(minutes=n)
        refused = await _send(program, ana, email=email, card=ben_card, key=email, now=at)
        assert refused.startswith("MEMBER_NOT_FOUND")
    right = await _send(
        program,
        ana,
        email="ben@example.com",
        card=ben_card,
        key="r",
        now=now + timedelta(minutes=5),
    )
    assert right.startswith("RATE_LIMITED")  # the right pair too: nothing to learn by it
    by_id = await _send(program, ana, to=999_999, key="id", now=now + timedelta(minutes=6))
    assert by_id.startswith("RATE_LIMITED")
    bens = await _send(program, ben, to=ana, key="b", now=now + timedelta(minutes=6))
    assert bens.startswith("INSUFFICIENT_POINTS") or bens.isdigit()  # another sender's own limit
    later = now + timedelta(hours=1, seconds=1)  # the first refusal left the window
    again = await _send(program, ana, email="ben@example.com", card=ben_card, key="r2", now=later)
    assert again.isdigit()
    unknown_id = await _send(program, ana, to=999_999, key="id2", now=later)
    assert unknown_id == "MEMBER_NOT_FOUND ['toMemberId'] no member with this id"
    assert (await _send(program, ana, to=999_999, key="id3", now=later)).startswith("RATE_LIMITED")


async def test_concurrent_guesses_get_five_answers(program: Program) -> None:
    ids, now = await _members(program), base_time()
    ben_card = await program.card_of(ids["ben"])
    results = await asyncio.gather(
        *(
            _send(
                program, ids["ana"], email=f"g{n}@example.com", card=ben_card, key=f"g{n}", now=now
            )
            for n in range(8)
        )
    )
    codes = sorted(result.split()[0] for result in results)
    assert codes == ["MEMBER_NOT_FOUND"] * 5 + ["RATE_LIMITED"] * 3


async def test_the_form_asks_for_both_and_says_the_same(program: Program, web: Web) -> None:
    ids = await _members(program)
    ana = web()
    await ana.log_in("ana@example.com")
    form = await ana.get("/app/transfer")
    assert 'for="card"' in form.text and 'aria-describedby="card-hint"' in form.text
    answers = []
    for n, (email, card) in enumerate(
        [
            ("nobody@example.com", await program.card_of(ids["ben"])),
            ("ben@example.com", NOBODYS_CARD),
        ]
    ):
        await ana.get("/app/transfer")
        refused = await ana.post(
            "/app/transfer", {"email": email, "card": card, "points": "5", "key": f"k{n}"}
        )
        assert refused.status_code == 400
        answers.append(refused.text.count("No member has this email address and card number."))
    assert answers == [1, 1]
    for n in range(3):
        await ana.get("/app/transfer")
        await ana.post(
            "/app/transfer",
            {"email": f"x{n}@example.com", "card": NOBODYS_CARD, "points": "5", "key": f"x{n}"},
        )
    await ana.get("/app/transfer")
    limited = await ana.post(
        "/app/transfer",
        {"email": "ben@example.com", "card": NOBODYS_CARD, "points": "5", "key": "x9"},
    )
    assert limited.status_code == 429 and "Too many attempts" in limited.text
