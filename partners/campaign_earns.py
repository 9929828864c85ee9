"""The campaigns at an earn or a quote: what the cached offer says applies to the purchase
(``partners.campaigns.evaluation``), reading the member only when a campaign at hand targets
a segment (one statement); for a quote, also what each campaign's limits leave now.

With no campaign at the partner and no promo code, nothing is read: the earn costs no extra
round trip (its SQL checks the generation the offer was read at, in the same call).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from exchange.kit.db import Conn
from exchange.ledger import earning
from partners.campaign_cache import Offer
from partners.campaigns import evaluation, limits, record, store
from partners.campaigns.errors import PromoCodeLimitReached, PromoCodeNotFound
from partners.campaigns.evaluation import Claim, Context, Evaluation
from partners.campaigns.terms import Kind, MemberView
from partners.earn_rules.evaluation import Calculation
from partners.tiers import earning as tiers
from partners.tiers.earning import EarnTier


def tier_name(tier: EarnTier) -> str | None:
    return None if tier.standing is None else tier.standing.level.name


async def _member(
    conn: Conn, offer: Offer, partner_id: int, member: MemberView, at: datetime
) -> MemberView:
    segments = offer.snapshot.segments or {}
    wanted = [
        segments[v.terms.targets.segment_id]
        for v in evaluation.in_force_now(offer.versions, at)
        if v.terms.targets.segment_id in segments
        and v.terms.running(at)
        and v.terms.targets.partner(partner_id)
    ]
    if not wanted:
        return member
    lists = [segment.id for segment in wanted if segment.is_list]
    enrolled = any(not segment.is_list for segment in wanted)
    return await store.member_view(conn, member.id, member.tier, lists, enrolled)


async def evaluate(
    conn: Conn,
    offer: Offer,
    *,
    partner_id: int,
    member_id: int,
    tier: EarnTier,
    calculation: Calculation,
    at: datetime,
    promo_code: str | None = None,
    posted_at: datetime | None = None,
) -> Evaluation:
    if not offer.versions:
        if promo_code is not None:
            raise PromoCodeNotFound(f"no promo code {promo_code.strip()}", field=["promoCode"])
        return Evaluation()
    member = await _member(conn, offer, partner_id, MemberView(member_id, tier_name(tier)), at)
    context = Context(
        partner_id=partner_id,
        calculation=calculation,
        member=member,
        at=at,
        seeds=offer.snapshot.seeds or {},
        segments=offer.snapshot.segments or {},
        posted_at=posted_at,
    )
    return evaluation.evaluate(offer.versions, context, promo_code)


def campaigns(offer: Offer, found: Evaluation) -> earning.Campaigns:
    """What the earn sends to ``ledger_earn``."""
    return earning.Campaigns(offer.generation, record.claims_json(found.claims))


@dataclass(frozen=True)
class Quoted:
    """A campaign in a quote: its claim, and what its limits leave now (an instant win: if
    won; ``granted`` None for a held-out member)."""

    claim: Claim
    granted: limits.Granted | None


@dataclass(frozen=True)
class CampaignQuote:
    evaluation: Evaluation
    quoted: tuple[Quoted, ...]

    @property
    def points(self) -> int:
        """What the campaigns would give for sure (not an instant win's prize)."""
        return sum(
            q.granted.points
            for q in self.quoted
            if q.granted is not None and q.claim.version.terms.kind is not Kind.INSTANT_WIN
        )


async def quote(
    conn: Conn,
    offer: Offer,
    *,
    partner_id: int,
    member_id: int,
    calculation: Calculation,
    at: datetime,
    promo_code: str | None = None,
) -> CampaignQuote:
    """The campaigns an earn of this purchase would meet now, within their limits as they
    stand (a concurrent earn may still take what is left first)."""
    tier = await tiers.earn_tier(conn, member_id, at)
    found = await evaluate(
        conn,
        offer,
        partner_id=partner_id,
        member_id=member_id,
        tier=tier,
        calculation=calculation,
        at=at,
        promo_code=promo_code,
    )
    ids = [claim.version.campaign.id for claim in found.claims]
    if not ids:
        return CampaignQuote(found, ())
    used, set_limits = await store.used(conn, ids, member_id), await store.limits(conn, ids)
    quoted = []
    for claim in found.claims:
        key = claim.version.campaign.id
        granted = None
        if not claim.held_out:
            kind = claim.version.terms.kind
            granted = limits.grant(kind, claim.wanted, set_limits[key], used[key])
        if claim.promo and granted is not None and granted.points == 0:
            raise PromoCodeLimitReached(
                f"promo code {claim.version.campaign.promo_code}: its limits leave nothing",
                field=["promoCode"],
            )
        quoted.append(Quoted(claim, granted))
    return CampaignQuote(found, tuple(quoted))
