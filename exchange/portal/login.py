"""Logging in without a password: ask for a code with an email or phone, then trade the code
for a session (the web app's cookie) or a token (a partner's app).

Both steps answer alike whether or not the identifier belongs to a member, and both are rate
limited per identifier and per network address (``throttle``). A wrong code is recorded even
though the attempt fails: its transaction commits, then the refusal is raised.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.settings import Settings
from exchange.ledger.members import EMAIL, MAX_IDENTIFIER, PHONE
from exchange.portal import codes, sessions, throttle
from exchange.portal.errors import InvalidLoginCode
from exchange.portal.hashing import portal_key
from exchange.portal.senders import Code, CodeSender, Recipient


@dataclass(frozen=True)
class Identifier:
    channel: str
    """``email`` or ``phone``."""
    value: str


def parse_identifier(text: str) -> Identifier:
    """An email address (any case) or an E.164 phone number (spaces allowed)."""
    value = text.strip()
    if "@" in value:
        value = value.lower()
        if len(value) <= MAX_IDENTIFIER and EMAIL.match(value):
            return Identifier("email", value)
    else:
        value = "".join(value.split()).replace("-", "")
        if PHONE.match(value):
            return Identifier("phone", value)
    raise InvalidInput(
        "enter your email address or your phone number with its country code (+373...)",
        field=["identifier"],
    )


async def _recipient(conn: Conn, identifier: Identifier) -> Recipient | None:
    cur = await conn.execute(
        f"SELECT id, enrolled_by_partner_id FROM members WHERE {identifier.channel} = %s",
        (identifier.value,),
    )
    row = await cur.fetchone()
    if row is None:
        return None
    return Recipient(row["id"], identifier.channel, identifier.value, row["enrolled_by_partner_id"])


async def request_code(
    pool: Pool,
    settings: Settings,
    sender: CodeSender,
    *,
    identifier: str,
    address: str,
    now: datetime,
) -> None:
    """Send a code if the identifier is a member's (say nothing either way)."""
    who = parse_identifier(identifier)
    key = portal_key(settings)
    buckets = throttle.Buckets.of(key, f"{who.channel}:{who.value}", address)
    async with transaction(pool) as conn:
        await throttle.check(conn, "CODE_SENT", buckets, now)
        await throttle.record(conn, "CODE_SENT", buckets, now)
        recipient = await _recipient(conn, who)
        if recipient is None:
            return
        lifetime = timedelta(seconds=settings.login_code_ttl_seconds)
        code, expires_at = await codes.issue(
            conn, recipient.member_id, key=key, lifetime=lifetime, now=now
        )
        await sender.send(conn, Code(recipient, code, expires_at), now=now)


async def log_in(
    pool: Pool,
    settings: Settings,
    *,
    identifier: str,
    code: str,
    address: str,
    kind: str,
    now: datetime,
) -> tuple[str, sessions.Session]:
    """Trade a code for a session of ``kind`` (``WEB`` or ``TOKEN``): its token, once."""
    who = parse_identifier(identifier)
    key = portal_key(settings)
    buckets = throttle.Buckets.of(key, f"{who.channel}:{who.value}", address)
    async with transaction(pool) as conn:
        await throttle.check(conn, "CODE_REJECTED", buckets, now)
        recipient = await _recipient(conn, who)
        verdict = codes.Verdict.WRONG
        if recipient is not None:
            verdict = await codes.redeem(conn, recipient.member_id, code, key=key, now=now)
        if recipient is not None and verdict is codes.Verdict.ACCEPTED:
            return await sessions.open_session(
                conn,
                recipient.member_id,
                kind=kind,
                key=key,
                lifetime=lifetime_of(settings, kind),
                now=now,
            )
        await throttle.record(conn, "CODE_REJECTED", buckets, now)
    raise InvalidLoginCode("this code is wrong or expired; ask for a new one", field=["code"])


def lifetime_of(settings: Settings, kind: str) -> timedelta:
    if kind == "TOKEN":
        return timedelta(days=settings.member_token_days)
    return timedelta(hours=settings.member_session_hours)


async def purge(pool: Pool, now: datetime) -> int:
    """Forget old attempts, codes and sessions (the gateway's sweeper calls it)."""
    async with transaction(pool) as conn:
        return (
            await throttle.purge(conn, now)
            + await codes.purge(conn, now)
            + await sessions.purge(conn, now)
        )
