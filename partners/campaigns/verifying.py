"""An earn's instant-win draw re-checked: what the earn recorded, and once the campaign has
ended (its seed shown), the draw computed again from the seed and the transaction id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn
from exchange.kit.ids import to_global_id
from exchange.ledger.errors import TransactionNotFound
from partners.campaigns import draws, record, store
from partners.campaigns.errors import CampaignNotFound
from partners.campaigns.record import Draw
from partners.campaigns.terms import Chance, Version
from partners.versions import in_force


def ended(versions: list[Version], at: datetime) -> bool:
    """Has the campaign ended by the version in force at ``at`` (its seed may be shown)?"""
    current = in_force(versions, at)
    ends_at = None if current is None else current.terms.ends_at
    return ends_at is not None and ends_at <= at


@dataclass(frozen=True)
class DrawCheck:
    code: str
    transaction_id: str
    chance: Chance
    seed_sha256: str
    seed: bytes | None
    """None until the campaign has ended."""
    recorded: Draw
    points: int
    """What the earn gave (0: lost, or no whole prize was left)."""

    @property
    def recomputed(self) -> Draw | None:
        if self.seed is None:
            return None
        found = draws.draw(self.seed, self.transaction_id, self.chance)
        return Draw(found.value, found.won)

    @property
    def seed_matches(self) -> bool | None:
        return None if self.seed is None else draws.commitment(self.seed) == self.seed_sha256

    @property
    def verified(self) -> bool | None:
        if self.seed is None:
            return None
        return bool(self.seed_matches) and self.recomputed == self.recorded


async def check(conn: Conn, entry_id: int, code: str, now: datetime) -> DrawCheck:
    """The draw of campaign ``code`` at the EARN ``entry_id`` (the caller may see it)."""
    cur = await conn.execute(
        "SELECT details FROM journal_entries WHERE id = %s AND kind = 'EARN'", (entry_id,)
    )
    row = await cur.fetchone()
    if row is None:
        raise TransactionNotFound("no such earn", field=["transactionId"])
    code = code.strip().upper()
    kept = [o for o in record.outcomes(row["details"]) if o.code == code and o.draw is not None]
    header = await store.campaign_by_code(conn, code)
    if not kept or header is None:
        raise CampaignNotFound(f"the earn has no draw of {code}", field=["campaignCode"])
    outcome = kept[0]
    assert outcome.draw is not None and outcome.chance is not None
    shown = ended(await store.versions(conn, [header.id]), now)
    return DrawCheck(
        code=code,
        transaction_id=to_global_id("Transaction", entry_id),
        chance=outcome.chance,
        seed_sha256=header.seed_sha256,
        seed=await store.seed(conn, header.id) if shown else None,
        recorded=outcome.draw,
        points=outcome.points,
    )
