"""Creating, changing and ending campaigns (admin): each change is a new version, never an
edit, numbered without gaps under the campaign's row lock; the generation goes up with it
(a trigger), so every process prices its next earn with the change.

A new version takes effect now or later (at most 5 minutes ago, for clock skew); the limits
are the campaign's, not a version's: the latest version's apply from the moment it is added,
and may not go below what the campaign already gave.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from psycopg.errors import UniqueViolation

from exchange.kit.db import Conn
from exchange.kit.errors import ExchangeError, InvalidInput
from exchange.ledger import idempotency
from partners.campaigns import draws, store
from partners.campaigns.errors import CampaignNotFound
from partners.campaigns.terms import Campaign, Limits, Terms, Version
from partners.versions import in_force, start_of_version


class CampaignExists(ExchangeError):
    """A campaign with this code, or a promo code like this one, already exists."""

    code = "CAMPAIGN_ALREADY_EXISTS"


@dataclass(frozen=True)
class Asked:
    """Who asks (for the record) under which idempotency key, for what input."""

    caller: str
    key: str
    actor: str
    request: dict[str, Any]


def terms_request(terms: Terms) -> dict[str, Any]:
    """Terms as plain values (what an idempotency key's input hash covers)."""
    chance = terms.chance
    return {
        "name": terms.name,
        "kind": terms.kind.value,
        "factor": terms.factor,
        "points": terms.points,
        "chance": None if chance is None else [chance.wins, chance.out_of],
        "startsAt": terms.starts_at,
        "endsAt": terms.ends_at,
        "funder": terms.funder.value,
        "partners": sorted(terms.targets.partner_ids),
        "categories": list(terms.targets.categories),
        "tiers": list(terms.targets.tiers),
        "segment": terms.targets.segment_id,
        "minimumSpend": terms.minimum_spend,
        "limits": [
            terms.limits.points_total,
            terms.limits.points_per_member,
            terms.limits.uses_total,
            terms.limits.uses_per_member,
        ],
        "control": terms.control_percent,
    }


async def _version_by_id(conn: Conn, version_id: int) -> Version:
    cur = await conn.execute(
        "SELECT campaign_id FROM campaign_versions WHERE id = %s", (version_id,)
    )
    row = await cur.fetchone()
    assert row is not None, "versions are never deleted"
    found = await store.versions(conn, [row["campaign_id"]])
    return next(version for version in found if version.id == version_id)


async def _insert_version(
    conn: Conn, campaign: Campaign, number: int, effective_from: datetime, terms: Terms, **by: Any
) -> Version:
    targets, limits = terms.targets, terms.limits
    chance = terms.chance
    cur = await conn.execute(
        "INSERT INTO campaign_versions (campaign_id, version, effective_from, name, kind, factor,"
        " points, chance_wins, chance_out_of, starts_at, ends_at, partner_ids, categories,"
        " tiers, segment_id, minimum_spend, funder, points_total, points_per_member,"
        " uses_total, uses_per_member, control_percent, created_at, created_by)"
        " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s,"
        " %s, %s, %s, %s, %s) RETURNING id",
        (
            campaign.id,
            number,
            effective_from,
            terms.name,
            terms.kind.value,
            terms.factor,
            terms.points,
            None if chance is None else chance.wins,
            None if chance is None else chance.out_of,
            terms.starts_at,
            terms.ends_at,
            sorted(targets.partner_ids),
            list(targets.categories),
            list(targets.tiers),
            targets.segment_id,
            terms.minimum_spend,
            terms.funder.value,
            limits.points_total,
            limits.points_per_member,
            limits.uses_total,
            limits.uses_per_member,
            terms.control_percent,
            by["now"],
            by["actor"],
        ),
    )
    row = await cur.fetchone()
    assert row is not None
    return Version(row["id"], campaign, number, effective_from, terms, by["now"])


async def _set_limits(conn: Conn, campaign_id: int, limits: Limits) -> None:
    """The campaign's limits from now on: never below what it already gave."""
    cur = await conn.execute(
        "SELECT points_given, uses FROM campaign_budgets WHERE campaign_id = %s FOR UPDATE",
        (campaign_id,),
    )
    row = await cur.fetchone()
    given, uses = (0, 0) if row is None else (row["points_given"], row["uses"])
    if limits.points_total is not None and limits.points_total < given:
        raise InvalidInput(
            f"the campaign already gave {given} points: pointsTotal may not be less",
            field=["pointsTotal"],
        )
    if limits.uses_total is not None and limits.uses_total < uses:
        raise InvalidInput(
            f"the campaign was already used {uses} times: usesTotal may not be less",
            field=["usesTotal"],
        )
    await conn.execute(
        "INSERT INTO campaign_budgets (campaign_id, points_total, points_per_member, uses_total,"
        " uses_per_member) VALUES (%s, %s, %s, %s, %s) ON CONFLICT (campaign_id) DO UPDATE"
        " SET points_total = excluded.points_total,"
        " points_per_member = excluded.points_per_member, uses_total = excluded.uses_total,"
        " uses_per_member = excluded.uses_per_member",
        (
            campaign_id,
            limits.points_total,
            limits.points_per_member,
            limits.uses_total,
            limits.uses_per_member,
        ),
    )


async def _claimed(conn: Conn, asked: Asked, operation: str) -> Version | None:
    done = await idempotency.claim(
        conn, caller=asked.caller, key=asked.key, operation=operation, request=asked.request
    )
    return None if done is None else await _version_by_id(conn, int(done["version_id"]))


async def _remember(conn: Conn, asked: Asked, version: Version) -> Version:
    await idempotency.store(
        conn, caller=asked.caller, key=asked.key, response={"version_id": version.id}
    )
    return version


async def create(
    conn: Conn, code: str, promo_code: str | None, terms: Terms, *, asked: Asked, now: datetime
) -> Version:
    """A new campaign: its seed drawn (its SHA-256 published now), version 1 in force from
    now (it runs from ``terms.starts_at``), its limits set."""
    if (done := await _claimed(conn, asked, "createCampaign")) is not None:
        return done
    seed = draws.new_seed()
    try:
        async with conn.transaction():
            cur = await conn.execute(
                "INSERT INTO campaigns (code, promo_code, seed, seed_sha256, created_at,"
                " created_by) VALUES (%s, %s, %s, %s, %s, %s) RETURNING id",
                (code, promo_code, seed, draws.commitment(seed), now, asked.actor),
            )
    except UniqueViolation:
        field = (
            "promoCode"
            if promo_code is not None and await _promo_taken(conn, promo_code)
            else "code"
        )
        raise CampaignExists(f"a campaign with this {field} exists", field=[field]) from None
    row = await cur.fetchone()
    assert row is not None
    campaign = Campaign(row["id"], code, promo_code, draws.commitment(seed), now)
    await _set_limits(conn, campaign.id, terms.limits)
    added = await _insert_version(conn, campaign, 1, now, terms, now=now, actor=asked.actor)
    return await _remember(conn, asked, added)


async def _promo_taken(conn: Conn, promo_code: str) -> bool:
    cur = await conn.execute(
        "SELECT 1 FROM campaigns WHERE upper(promo_code) = upper(%s)", (promo_code,)
    )
    return await cur.fetchone() is not None


async def change(
    conn: Conn,
    code: str,
    changed: Callable[[Version], Terms],
    *,
    effective_from: datetime | None,
    asked: Asked,
    operation: str,
    now: datetime,
) -> Version:
    """The campaign's next version: ``changed`` makes its terms from the latest version."""
    if (done := await _claimed(conn, asked, operation)) is not None:
        return done
    start = start_of_version(effective_from, now)
    campaign = await store.campaign_by_code(conn, code, lock=True)
    if campaign is None:
        raise CampaignNotFound(f"no campaign {code.strip().upper()}", field=["code"])
    listed = await store.versions(conn, [campaign.id])
    current = in_force(listed, now)
    if current is not None and current.terms.ends_at is not None and current.terms.ends_at <= now:
        raise InvalidInput(
            f"campaign {campaign.code} ended at {current.terms.ends_at.isoformat()}: its seed"
            " may be shown, so it never runs again (create another)",
            field=["code"],
        )
    latest = listed[0]
    terms = changed(latest)
    await _set_limits(conn, campaign.id, terms.limits)
    added = await _insert_version(
        conn, campaign, latest.version + 1, start, terms, now=now, actor=asked.actor
    )
    return await _remember(conn, asked, added)


def ended(at: datetime) -> Callable[[Version], Terms]:
    """The terms of a campaign ended at ``at`` (one not started yet never runs)."""

    def end(latest: Version) -> Terms:
        terms = latest.terms
        if terms.ends_at is not None and terms.ends_at <= at:
            raise InvalidInput(
                f"the campaign already ends at {terms.ends_at.isoformat()}", field=["endsAt"]
            )
        return replace(terms, starts_at=min(terms.starts_at, at), ends_at=at)

    return end
