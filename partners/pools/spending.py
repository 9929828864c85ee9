"""A partner burns points from a pool for one of its spenders, at the till: a burn on the
pool's account through the burn path (``ledger_burn``: its lots earliest expiry first, each
consumption traced to its issuer), within the spender's limits per UTC day and calendar month.

Locks: the spender's place in the pool is read ``FOR SHARE`` (the owner's change of it waits),
then the pool's account is locked as any burn locks its member, and only then are the
spender's spends counted: two spenders racing at the pool's balance, or one spender's two
tills racing at its limit, are serialized on the pool, so neither the balance nor a limit is
ever passed. A replay of the same key answers what the burn did, whatever the limits say now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.ledger import burning, idempotency, members
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.locking import lock_active_member
from exchange.ledger.outcome import Outcome, Request
from partners.pools import checks
from partners.pools import repository as repo
from partners.pools.errors import PoolNotFound
from partners.pools.managing import this_month

OPERATION = "burnPoolPoints"


async def _recalled(conn: Conn, request: Request) -> Outcome | None:
    stored = await idempotency.recall(
        conn,
        caller=request.caller,
        key=request.idempotency_key,
        operation=request.operation,
        request=request.body,
    )
    return None if stored is None else Outcome.from_json(stored)


async def spend(
    conn: Conn,
    request: Request,
    *,
    partner_id: int,
    pool_id: int,
    spender_id: int,
    points: int,
    order_id: str | None,
    now: datetime,
    details: dict[str, Any] | None = None,
) -> Outcome:
    """Burn ``points`` of the pool at the partner for the spender (a member the partner was
    shown); ``details``: the burn limits it met."""
    if not await members.is_shown(conn, spender_id, partner_id):
        raise MemberNotFound("no member with this id", field=["memberId"])
    pool = await repo.pool(conn, pool_id)
    place = None if pool is None else await repo.membership(conn, pool_id, spender_id, share=True)
    if pool is None or place is None:
        raise PoolNotFound("this member belongs to no pool with this id", field=["poolId"])
    await lock_active_member(conn, pool.account_id, None)
    if (done := await _recalled(conn, request)) is not None:
        return done
    day, month = this_month(now)
    checks.check_spend(
        place, await repo.spent(conn, pool_id, spender_id, day=day, month=month), points
    )
    await members.link(conn, member_id=pool.account_id, partner_id=partner_id, external_id=None)
    outcome = await burning.burn(
        conn,
        request,
        member_id=pool.account_id,
        partner_id=partner_id,
        points=points,
        order_id=order_id,
        now=now,
        details={
            **(details or {}),
            "pool": {
                "poolId": to_global_id("Pool", pool_id),
                "spenderId": to_global_id("Member", spender_id),
            },
        },
        reason=f"Points spent from the pool {pool.name}",
    )
    assert outcome.transaction_id is not None
    await repo.record_spend(
        conn,
        entry_id=outcome.transaction_id,
        pool_id=pool_id,
        spender_id=spender_id,
        partner_id=partner_id,
        points=points,
        at=now,
    )
    return outcome
