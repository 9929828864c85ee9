"""``awardBonus``: a partner awards a member the points of an event type of the catalogue in
force, once per member, type and reference, within the type's limit per member and period.

Everything happens under the member's lock (taken first, as every movement of its points
takes it): two awards for the same member are serialized, so the count of its awards in the
period and the reference check see every award committed before, and a limit is never
exceeded whatever runs at once. The points are a BONUS entry issued by the awarding partner
(``exchange.ledger.bonuses``): settlement bills them as it bills an earn."""

from __future__ import annotations

from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import bonuses as ledger_bonuses
from exchange.ledger.locking import lock_active_member
from exchange.ledger.outcome import Outcome, Request
from partners.bonuses import catalogue as values
from partners.bonuses import repository as repo
from partners.bonuses.catalogue import Catalogue, EventType
from partners.bonuses.errors import (
    BonusAlreadyAwarded,
    BonusEventTypeNotFound,
    BonusLimitExceeded,
)
from partners.periods import period_bounds

OPERATION = "awardBonus"
EVENT = "points.bonus_awarded"


def request_body(member_id: int, event_type: str, reference: str) -> dict[str, object]:
    """The input an award's idempotency key is bound to."""
    return {"memberId": member_id, "eventType": event_type.strip().upper(), "reference": reference}


async def _event_type(conn: Conn, code: str, now: datetime) -> tuple[Catalogue, EventType]:
    catalogue = await repo.catalogue_at(conn, now)
    kind = None if catalogue is None else catalogue.find(code)
    if catalogue is None or kind is None:
        raise BonusEventTypeNotFound(
            f"no bonus event type {code.strip().upper()} is in force", field=["eventType"]
        )
    return catalogue, kind


async def _check_limits(
    conn: Conn, member_id: int, kind: EventType, reference: str, now: datetime
) -> int | None:
    """Refuse a reference already awarded, or an award beyond the type's limit; the awards
    the member had in the period before this one (None: the type has no limit)."""
    if await repo.reference_used(conn, member_id, kind.code, reference):
        raise BonusAlreadyAwarded(
            f"this member already had a {kind.code} bonus for reference {reference}",
            field=["reference"],
        )
    if kind.limit is None:
        return None
    start, end = period_bounds(kind.limit.period, now)
    before = await repo.awarded(conn, member_id, kind.code, start, end)
    if before >= kind.limit.count:
        raise BonusLimitExceeded(
            f"{kind.code} bonuses: {kind.limit.words()} per member; {before} already awarded",
            field=["eventType"],
        )
    return before


async def award(
    conn: Conn,
    request: Request,
    *,
    partner_id: int,
    member_id: int,
    event_type: str,
    reference: str,
    now: datetime,
) -> Outcome:
    """Award the bonus (with the same key and input: what the first award did)."""
    reference = values.reference(reference)
    if (done := await request.replay(conn)) is not None:
        return done
    await lock_active_member(conn, member_id, partner_id)
    catalogue, kind = await _event_type(conn, event_type, now)
    before = await _check_limits(conn, member_id, kind, reference, now)
    kept = {
        "type": kind.code,
        "reference": reference,
        "catalogue": {
            "id": catalogue.id,
            "version": catalogue.version,
            "effectiveFrom": catalogue.effective_from.isoformat(),
        },
    }
    if kind.limit is not None:
        kept["limit"] = {
            "count": kind.limit.count,
            "period": kind.limit.period,
            "awardedBefore": before,
        }
    credited = await ledger_bonuses.credit(
        conn,
        ledger_bonuses.Bonus(
            points=kind.points,
            reason=f"Bonus: {kind.name}",
            details={"bonusEvent": kept},
            event_type=EVENT,
            event_data={
                "source": "BONUS_EVENT",
                "eventType": kind.code,
                "reference": reference,
            },
        ),
        member_id=member_id,
        partner_id=partner_id,
        now=now,
    )
    await repo.record_award(
        conn,
        entry_id=credited.entry_id,
        member_id=member_id,
        partner_id=partner_id,
        event_type=kind,
        reference=reference,
        catalogue_id=catalogue.id,
        at=now,
    )
    return await request.remember(
        conn, Outcome(member_id=member_id, points=kind.points, transaction_id=credited.entry_id)
    )
