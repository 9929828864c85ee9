"""``sellMembership``: a partner sells a member a plan of the catalogue in force.

In one transaction, under the member's lock (the one every movement of its points takes, so
the tier announced is never crossed by an earn's upgrade): the idempotency key, the plan, the
term (a plan bought again while one of the same plan runs extends it), the membership row
(settlement bills its price to the selling partner), and a ``member.tier_changed`` event when
the tier that applies rises (reason ``MEMBERSHIP_SOLD``).
"""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import idempotency
from exchange.ledger.errors import PartnerSuspended
from exchange.ledger.locking import lock_active_member
from partners import registry
from partners.tiers import plans
from partners.tiers import repository as repo
from partners.tiers.errors import MembershipPlanNotFound
from partners.tiers.repository import Sold

OPERATION = "sellMembership"


async def _get(conn: Conn, membership_id: int) -> Sold:
    [found] = await repo.sold(conn, ids=[membership_id])
    return found


async def sell(
    conn: Conn,
    *,
    member_id: int,
    partner_id: int,
    plan_code: str,
    caller: str,
    key: str,
    actor: str,
    now: datetime,
) -> Sold:
    """The membership sold (with the same key and input: the one it sold)."""
    body = {"memberId": member_id, "plan": plan_code.strip().upper()}
    done = await idempotency.claim(conn, caller=caller, key=key, operation=OPERATION, request=body)
    if done is not None:
        return await _get(conn, int(done["membership_id"]))
    partner = await registry.get_partner(conn, partner_id=partner_id)
    if partner.status != "ACTIVE":
        raise PartnerSuspended("this partner is suspended")
    await lock_active_member(conn, member_id, partner_id)
    catalogue = await repo.catalogue_at(conn, now)
    plan = None if catalogue is None else catalogue.plan(plan_code)
    if catalogue is None or plan is None:
        raise MembershipPlanNotFound(f"no plan {body['plan']} is on sale", field=["plan"])
    held = await repo.memberships_of(conn, [member_id], ending_after=now)
    membership_id = await repo.insert_membership(
        conn,
        member_id=member_id,
        partner_id=partner_id,
        catalogue_id=catalogue.id,
        plan=plan,
        term=plans.term(plan, held[member_id], now),
        actor=actor,
        now=now,
    )
    await repo.announce(conn, [member_id], reason="MEMBERSHIP_SOLD", effective_at=now, now=now)
    await idempotency.store(conn, caller=caller, key=key, response={"membership_id": membership_id})
    return await _get(conn, membership_id)
