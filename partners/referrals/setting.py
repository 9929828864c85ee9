"""``setReferralProgram`` (admin): a new version of the referral program, in force from
``effective_from`` (now or later) on, under an idempotency key. A referral is paid by the
version in force when its qualifying purchase is posted."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import idempotency
from partners.referrals import repository as repo
from partners.referrals.program import Program, Terms, checked
from partners.versions import start_of_version

OPERATION = "setReferralProgram"


async def set_program(
    conn: Conn,
    terms: Terms,
    *,
    effective_from: datetime | None,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> Program:
    """The new version (with the same key and input: the version it made)."""
    body = {**asdict(checked(terms)), "effectiveFrom": effective_from}
    done = await idempotency.claim(conn, caller=caller, key=key, operation=OPERATION, request=body)
    if done is not None:
        return await repo.program_by_id(conn, int(done["program_id"]))
    program = await repo.insert_program(
        conn, terms, effective_from=start_of_version(effective_from, now), actor=actor, now=now
    )
    await idempotency.store(conn, caller=caller, key=key, response={"program_id": program.id})
    return program
