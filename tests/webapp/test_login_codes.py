"""Logging in with a one-time code: single use, short-lived, a few tries, rate limited per
identifier and per address, stored hashed; the same answers for members and strangers."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from webapp_support import Outbox, Program, base_time

from exchange.kit.errors import InvalidInput
from exchange.kit.settings import Settings
from exchange.portal import login, sessions
from exchange.portal.errors import InvalidLoginCode, RateLimited
from exchange.portal.hashing import portal_key
from exchange.portal.senders import LogSender, WebhookSender

SETTINGS = Settings(database_url="postgresql://unused/by-tests")


async def _ask(program: Program, outbox: Outbox, who: str, now: datetime, ip: str = "10.0.0.1"):
    await login.request_code(program.pool, SETTINGS, outbox, identifier=who, address=ip, now=now)


async def _log_in(program: Program, who: str, code: str, now: datetime, ip: str = "10.0.0.1"):
    return await login.log_in(
        program.pool, SETTINGS, identifier=who, code=code, address=ip, kind="WEB", now=now
    )


async def test_a_code_logs_in_once_and_is_stored_hashed(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    ana = await program.member(email="ana@example.com")
    await _ask(program, outbox, "  Ana@Example.com ", now)
    ((recipient, code, _),) = outbox.sent
    assert (recipient.member_id, recipient.channel, recipient.address) == (
        ana,
        "email",
        "ana@example.com",
    )
    assert len(code) == 6 and code.isdigit()
    stored = await program.rows("SELECT code_hash FROM member_login_codes")
    assert code not in stored[0]["code_hash"] and len(stored[0]["code_hash"]) == 64
    token, session = await _log_in(program, "ana@example.com", code, now + timedelta(minutes=9))
    assert session.member_id == ana and session.kind == "WEB"
    assert await program.rows("SELECT token_hash FROM member_sessions") == [
        {"token_hash": sessions.token_hash(portal_key(SETTINGS), token)}
    ]
    with pytest.raises(InvalidLoginCode):
        await _log_in(program, "ana@example.com", code, now + timedelta(minutes=9))


async def test_by_phone_and_a_new_code_replaces_the_old(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await program.member(phone="+37360123456")
    await _ask(program, outbox, "+373 60 123 456", now)
    first = outbox.last
    await _ask(program, outbox, "+37360123456", now + timedelta(seconds=30))
    second = outbox.last
    if first != second:
        with pytest.raises(InvalidLoginCode):
            await _log_in(program, "+37360123456", first, now + timedelta(minutes=1))
    _, session = await _log_in(program, "+37360123456", second, now + timedelta(minutes=1))
    assert session.kind == "WEB"


async def test_a_code_expires_after_ten_minutes(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await program.member(email="ana@example.com")
    await _ask(program, outbox, "ana@example.com", now)
    with pytest.raises(InvalidLoginCode, match="wrong or expired"):
        await _log_in(program, "ana@example.com", outbox.last, now + timedelta(minutes=10))


async def test_five_wrong_entries_spend_the_code(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await program.member(email="ana@example.com")
    await _ask(program, outbox, "ana@example.com", now)
    wrong = f"{(int(outbox.last) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(InvalidLoginCode):
            await _log_in(program, "ana@example.com", wrong, now)
    with pytest.raises(InvalidLoginCode):  # the right code, too late
        await _log_in(program, "ana@example.com", outbox.last, now)


async def test_strangers_get_the_same_answers(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await _ask(program, outbox, "nobody@example.com", now)  # no error, nothing sent
    assert outbox.sent == []
    with pytest.raises(InvalidLoginCode, match="wrong or expired"):
        await _log_in(program, "nobody@example.com", "123456", now)
    with pytest.raises(InvalidInput, match="email address or your phone"):
        await _ask(program, outbox, "not an address", now)


async def test_codes_are_rate_limited_per_identifier(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await program.member(email="ana@example.com")
    for minute in range(5):
        await _ask(
            program, outbox, "ana@example.com", now + timedelta(minutes=minute), f"10.0.0.{minute}"
        )
    with pytest.raises(RateLimited) as limited:
        await _ask(program, outbox, "ana@example.com", now + timedelta(minutes=5), "10.9.9.9")
    assert limited.value.retry_after == 10 * 60 + 1  # the first of the five leaves the window
    await _ask(program, outbox, "ana@example.com", now + timedelta(minutes=15, seconds=1))
    assert len(outbox.sent) == 6


async def test_codes_are_rate_limited_per_address(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    for n in range(20):
        await _ask(program, outbox, f"someone{n}@example.com", now, "192.0.2.7")
    with pytest.raises(RateLimited):
        await _ask(program, outbox, "someone-else@example.com", now, "192.0.2.7")
    await _ask(program, outbox, "someone-else@example.com", now, "192.0.2.8")


async def test_wrong_codes_are_rate_limited_even_across_codes(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    await program.member(email="ana@example.com")
    for attempt in range(10):
        if attempt % 5 == 0:  # five wrong entries spend a code: ask for another
            await _ask(program, outbox, "ana@example.com", now, f"10.1.0.{attempt}")
        wrong = f"{(int(outbox.last) + 1) % 1_000_000:06d}"
        with pytest.raises(InvalidLoginCode):
            await _log_in(program, "ana@example.com", wrong, now, f"10.2.0.{attempt}")
    await _ask(program, outbox, "ana@example.com", now, "10.1.1.1")
    with pytest.raises(RateLimited):
        await _log_in(program, "ana@example.com", outbox.last, now, "10.3.0.1")


async def test_the_log_sender_writes_the_code_to_the_log(
    program: Program, caplog: pytest.LogCaptureFixture
) -> None:
    ana = await program.member(email="ana@example.com")
    caplog.set_level(logging.WARNING, logger="exchange.portal")
    await login.request_code(
        program.pool,
        SETTINGS,
        LogSender(),
        identifier="ana@example.com",
        address="::1",
        now=base_time(),
    )
    (record,) = [r for r in caplog.records if r.name == "exchange.portal"]
    assert f"login code for member {ana} (email ana@example.com): " in record.getMessage()


async def test_the_webhook_sender_hands_the_code_to_the_enrolling_partner(
    program: Program,
) -> None:
    fuel = await program.partner("FUEL")
    ana = await program.member(fuel, email="ana@example.com")
    await program.member(email="orphan@example.com")
    for who in ("ana@example.com", "orphan@example.com"):
        await login.request_code(
            program.pool,
            SETTINGS,
            WebhookSender(),
            identifier=who,
            address="::1",
            now=base_time(),
        )
    events = await program.rows(
        "SELECT event_type, partner_id, member_id, payload FROM outbox_events"
        " WHERE event_type = 'member.login_code'"
    )
    assert [(e["partner_id"], e["member_id"]) for e in events] == [(fuel, ana)]
    data = events[0]["payload"]["data"]
    assert data["channel"] == "email" and data["address"] == "ana@example.com"
    _, session = await login.log_in(
        program.pool,
        SETTINGS,
        identifier="ana@example.com",
        code=data["code"],
        address="::1",
        kind="TOKEN",
        now=base_time(),
    )
    assert session.kind == "TOKEN"


async def test_sessions_expire_and_are_revoked_one_or_all(program: Program) -> None:
    now, outbox = base_time(), Outbox()
    ana = await program.member(email="ana@example.com")
    tokens = []
    for _ in range(3):
        await _ask(program, outbox, "ana@example.com", now)
        tokens.append((await _log_in(program, "ana@example.com", outbox.last, now))[0])
    key = portal_key(SETTINGS)

    async def live(token: str, at: datetime = now) -> bool:
        async with program.pool.connection() as conn:
            return await sessions.resolve(conn, token, kind="WEB", key=key, now=at) is not None

    assert [await live(t) for t in tokens] == [True, True, True]
    assert not await live(tokens[0], now + timedelta(hours=12))
    assert not await live("made-up-token")
    async with program.pool.connection() as conn:
        found = await sessions.resolve(conn, tokens[0], kind="WEB", key=key, now=now)
        assert found is not None
        await sessions.revoke(conn, found.id, now)
        assert await sessions.resolve(conn, tokens[0], kind="TOKEN", key=key, now=now) is None
    assert [await live(t) for t in tokens] == [False, True, True]
    async with program.pool.connection() as conn:
        assert await sessions.revoke_all(conn, ana, now) == 2
    assert [await live(t) for t in tokens] == [False, False, False]
