"""The Query root: members, transactions, holds, nodes; partners and keys for staff."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

import strawberry

from exchange.kit import clock
from exchange.kit.db import transaction
from exchange.kit.errors import NotFound
from exchange.kit.ids import expect_global_id, from_global_id
from exchange.ledger import importing, members, queries
from partners import keys, registry

from . import (
    bonus_queries,
    campaign_queries,
    conversion_queries,
    quotes,
    referral_queries,
    settlement_queries,
    tier_queries,
    webhook_queries,
)
from .auth import require_admin, require_partner, require_staff
from .context import Info
from .types.audit import AuditEventConnection, audit_events
from .types.bonuses import BonusCatalogue
from .types.campaigns import Campaign, InstantWinCheck, Segment
from .types.common import MoneyInput, Node, described
from .types.conversions import Conversion, ConversionConnection, ProgramCurrency
from .types.holds import Hold
from .types.import_jobs import ImportJob
from .types.inputs import LineInput
from .types.members import Member
from .types.partners import ApiKey, Partner
from .types.program_report import ProgramReport, program_report
from .types.quotes import BurnQuote, EarnQuote
from .types.referrals import ReferralProgram
from .types.reports import LiabilityReport, liability_report
from .types.rewards import Reward, RewardConnection, rewards
from .types.settlement import SettlementBatch, SettlementBatchConnection
from .types.tiers import MembershipCatalogue, TierLadder
from .types.transactions import Transaction, TransactionConnection, transaction_page
from .types.viewer import Viewer, viewer
from .types.webhooks import (
    WebhookEndpoint,
    WebhookEvent,
    WebhookEventConnection,
    WebhookEventType,
)


async def _member(
    info: Info, id: strawberry.ID | None, card_number: str | None, external_id: str | None
) -> Member | None:
    ctx = info.context
    scope = ctx.principal.scope
    try:
        member_id = None if id is None else expect_global_id(id, "Member")
        # presenting a card shows the member to the partner (a write): on the primary
        pool = ctx.pool if card_number is not None else ctx.read_pool
        async with transaction(pool) as conn:
            found = await members.find(
                conn,
                partner_id=scope,
                member_id=member_id,
                card_number=card_number,
                external_id=external_id,
            )
            summaries = await queries.member_summaries(
                conn, [found], partner_id=scope, now=clock.now()
            )
    except NotFound:
        return None
    summary = summaries.get(found)
    return None if summary is None else Member.of(summary, ctx.principal)


async def _partner(info: Info, partner_id: int) -> Partner | None:
    found = await info.context.loaders.partners.load(partner_id)
    return None if found is None else Partner.of(found)


NODE_LOADERS: dict[str, Callable[[Info, int], Awaitable[Node | None]]] = {
    "Member": Member.load,
    "Transaction": Transaction.load,
    "Hold": Hold.load,
    "Partner": _partner,
    "WebhookEndpoint": WebhookEndpoint.load,
    "WebhookEvent": WebhookEvent.load,
    "Reward": Reward.load,
    "Conversion": Conversion.load,
}


@strawberry.type
class Query:
    @described(
        "A member by exactly one of id, cardNumber or externalId (the calling"
        " partner's own). Null when there is none the caller may see. Presenting a card number"
        " shows the member to the calling partner (as at a till)."
    )
    async def member(
        self,
        info: Info,
        id: strawberry.ID | None = None,
        card_number: str | None = None,
        external_id: str | None = None,
    ) -> Member | None:
        return await _member(info, id, card_number, external_id)

    @described(
        "Transactions the caller may see (a partner: its own), newest first. `first` is 1 to 100."
    )
    async def transactions(
        self,
        info: Info,
        first: int = 20,
        after: str | None = None,
        member_id: strawberry.ID | None = None,
        since: datetime | None = None,
    ) -> TransactionConnection:
        db_member = None
        if member_id is not None:
            try:
                db_member = expect_global_id(member_id, "Member")
            except NotFound:
                db_member = 0  # matches nothing: an unknown member has no transactions
        return await transaction_page(
            info, first=first, after=after, member_id=db_member, since=since
        )

    viewer: Viewer = strawberry.field(
        resolver=viewer,
        description="The caller: with a member token, its own member (balances, expiring"
        " points, transactions); with an API key, no member.",
    )

    @described("A hold of the calling partner (any hold for staff).")
    async def hold(self, info: Info, id: strawberry.ID) -> Hold | None:
        try:
            return await Hold.load(info, expect_global_id(id, "Hold"))
        except NotFound:
            return None

    @described("An import job of the calling partner (partner keys), to poll its progress.")
    async def import_job(self, info: Info, id: strawberry.ID) -> ImportJob | None:
        partner_id = require_partner(info.context.principal)
        try:
            job_id = expect_global_id(id, "ImportJob")
        except NotFound:
            return None
        async with transaction(info.context.pool) as conn:
            job = await importing.get_job(conn, job_id, partner_id=partner_id)
        return None if job is None else ImportJob.of(job)

    @described("Any object by global id, if the caller may see it.")
    async def node(self, info: Info, id: strawberry.ID) -> Node | None:
        try:
            type_name, db_id = from_global_id(id)
        except NotFound:
            return None
        loader = NODE_LOADERS.get(type_name)
        return None if loader is None else await loader(info, db_id)

    @described(
        "The points an earnPoints with this basket (and promo code) would give now, line by line"
        " and campaign by campaign (partner keys)."
    )
    async def earn_quote(
        self,
        info: Info,
        member_id: strawberry.ID,
        amount: MoneyInput,
        lines: list[LineInput] | None = None,
        promo_code: str | None = None,
    ) -> EarnQuote:
        return await quotes.earn_quote(info, member_id, amount, lines, promo_code)

    @described("The most points the member could spend on this basket now (partner keys).")
    async def burn_quote(
        self, info: Info, member_id: strawberry.ID, amount: MoneyInput
    ) -> BurnQuote:
        return await quotes.burn_quote(info, member_id, amount)

    campaigns: campaign_queries.CampaignConnection = strawberry.field(
        resolver=campaign_queries.campaigns,
        description="Campaigns and promo codes, newest first: staff see all, a partner those"
        " that may apply at its tills. `first` is 1 to 100.",
    )
    campaign: Campaign | None = strawberry.field(
        resolver=campaign_queries.campaign,
        description="A campaign by code, with its versions, budget and (once ended) its seed.",
    )
    segments: list[Segment] = strawberry.field(
        resolver=campaign_queries.segment_list, description="Member segments (staff)."
    )
    verify_instant_win: InstantWinCheck = strawberry.field(
        resolver=campaign_queries.verify_instant_win,
        description="An earn's instant-win draw, re-computed from the campaign's seed once it"
        " has ended: sha256(seed || 'draw:' || transactionId). Whoever may see the earn.",
    )
    tier_ladder: TierLadder | None = strawberry.field(
        resolver=tier_queries.tier_ladder,
        description="The version of the program's tiers in force at `at` (default: now); null"
        " when none is.",
    )
    tier_ladders: list[TierLadder] = strawberry.field(
        resolver=tier_queries.tier_ladders,
        description="Every version of the program's tiers, the latest first (some may start"
        " later).",
    )
    membership_plans: MembershipCatalogue | None = strawberry.field(
        resolver=tier_queries.membership_plans,
        description="The paid membership plans on sale at `at` (default: now).",
    )
    bonus_event_types: BonusCatalogue | None = strawberry.field(
        resolver=bonus_queries.bonus_event_types,
        description="The bonus event types partners may award at `at` (default: now); null"
        " when no version is in force.",
    )
    bonus_catalogues: list[BonusCatalogue] = strawberry.field(
        resolver=bonus_queries.bonus_catalogues,
        description="The latest 100 versions of the bonus event types, the latest start first"
        " (some may start later).",
    )
    referral_program: ReferralProgram | None = strawberry.field(
        resolver=referral_queries.referral_program,
        description="The referral program in force at `at` (default: now); null when none is"
        " (referrals pay nothing then).",
    )
    referral_programs: list[ReferralProgram] = strawberry.field(
        resolver=referral_queries.referral_programs,
        description="The latest 100 versions of the referral program, the latest start first.",
    )

    program_currencies: list[ProgramCurrency] = strawberry.field(
        resolver=conversion_queries.program_currencies,
        description="Partners' own program currencies, by code, with their conversion rules"
        " (any caller).",
    )
    conversions: ConversionConnection = strawberry.field(
        resolver=conversion_queries.conversions,
        description="Conversions to and from partners' programs, newest first: a member's"
        " own, a partner's own, all for staff. `first` is 1 to 100.",
    )
    conversion: Conversion | None = strawberry.field(
        resolver=conversion_queries.conversion,
        description="One conversion, if the caller may see it.",
    )

    rewards: RewardConnection = strawberry.field(
        resolver=rewards,
        description="The reward catalogue, in the order rewards were listed: one partner's"
        " (partnerCode) or every partner's. What is offered now, but to staff and to a partner"
        " reading its own (a partner key without partnerCode), who see every reward.",
    )

    @described("All partners (admin and finance).")
    async def partners(self, info: Info) -> list[Partner]:
        require_staff(info.context.principal)
        async with transaction(info.context.pool) as conn:
            found = await registry.list_partners(conn)
        return [Partner.of(partner) for partner in found]

    webhook_endpoints: list[WebhookEndpoint] = strawberry.field(
        resolver=webhook_queries.webhook_endpoints,
        description="Webhook endpoints: a partner's own; staff see all, or one partner's"
        " (partnerCode, ignored for partner keys).",
    )
    webhook_events: WebhookEventConnection = strawberry.field(
        resolver=webhook_queries.webhook_events,
        description="Events sent to webhook endpoints, newest first, with their deliveries and"
        " attempts; a partner sees its own. `first` is 1 to 100.",
    )
    webhook_event_types: list[WebhookEventType] = strawberry.field(
        resolver=webhook_queries.webhook_event_types,
        description="The event types an endpoint may subscribe to.",
    )

    settlement_batches: SettlementBatchConnection = strawberry.field(
        resolver=settlement_queries.settlement_batches,
        description="Settlement batches, newest first (staff: all; partners: APPROVED and PAID"
        " ones, with their own statement only). `first` is 1 to 100.",
    )
    settlement_batch: SettlementBatch | None = strawberry.field(
        resolver=settlement_queries.settlement_batch,
        description="One settlement batch, if the caller may see it.",
    )
    liability_report: LiabilityReport = strawberry.field(
        resolver=liability_report,
        description="Outstanding points and their value by issuer and expiry month, and"
        " breakage, as of an instant (default now). Staff see every issuer, a partner its own.",
    )
    program_report: ProgramReport = strawberry.field(
        resolver=program_report,
        description="The program's figures for [from, to) (at most three years): per partner"
        " and for the coalition (staff), or the calling partner's own.",
    )
    ledger_audit: settlement_queries.LedgerAudit = strawberry.field(
        resolver=settlement_queries.ledger_audit,
        description="Every invariant of contract section 7 over the whole ledger (staff).",
    )

    audit_events: AuditEventConnection = strawberry.field(
        resolver=audit_events,
        description="The audit trail, newest first (admin and finance): every admin and"
        " finance action and state-changing CLI command, who, when, what and from where."
        " `first` is 1 to 100.",
    )

    @described("All API keys, by prefix and last four (admin).")
    async def api_keys(self, info: Info) -> list[ApiKey]:
        require_admin(info.context.principal)
        async with transaction(info.context.pool) as conn:
            found = await keys.list_keys(conn)
        return [ApiKey.of(key) for key in found]
