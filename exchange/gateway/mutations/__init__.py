"""The Mutation root: one file per mutation."""

from __future__ import annotations

import strawberry

from .add_segment_members import add_segment_members
from .answer_conversion import confirm_conversion, decline_conversion
from .approve_settlement_batch import approve_settlement_batch
from .authorize_burn import authorize_burn
from .award_bonus import award_bonus
from .burn_points import burn_points
from .burn_pool_points import burn_pool_points
from .capture_burn import capture_burn
from .close_member import close_member
from .contribute_to_pool import contribute_to_pool
from .convert_points import convert_points
from .create_api_key import create_api_key
from .create_campaign import create_campaign
from .create_partner import create_partner
from .create_pool import create_pool
from .create_reward import create_reward
from .create_segment import create_segment
from .create_webhook_endpoint import create_webhook_endpoint
from .disable_webhook_endpoint import disable_webhook_endpoint
from .discard_settlement_batch import discard_settlement_batch
from .earn_points import earn_points
from .end_campaign import end_campaign
from .enroll_member import enroll_member
from .import_transactions import import_transactions
from .mark_settlement_batch_paid import mark_settlement_batch_paid
from .quote_conversion import quote_conversion
from .record_point_block import record_point_block
from .record_survey_answer import record_survey_answer
from .redeem_reward import redeem_reward
from .refund_burn import refund_burn
from .remove_pool_member import remove_pool_member
from .remove_segment_members import remove_segment_members
from .replay_dead_letters import replay_dead_letters
from .replay_webhook_event import replay_webhook_event
from .retire_reward import retire_reward
from .reverse_earn import reverse_earn
from .revoke_api_key import revoke_api_key
from .revoke_member_sessions import revoke_member_sessions
from .rotate_webhook_secret import rotate_webhook_secret
from .run_expiry import run_expiry
from .run_settlement import run_settlement
from .sell_membership import sell_membership
from .send_test_webhook import send_test_webhook
from .set_bonus_event_types import set_bonus_event_types
from .set_burn_rules import set_burn_rules
from .set_conversion_rules import set_conversion_rules
from .set_earn_rules import set_earn_rules
from .set_membership_plans import set_membership_plans
from .set_partner_billing import set_partner_billing
from .set_partner_prices import set_partner_prices
from .set_pool_member import set_pool_member
from .set_referral_program import set_referral_program
from .set_tiers import set_tiers
from .transfer_points import transfer_points
from .update_campaign import update_campaign
from .update_reward import update_reward
from .update_webhook_endpoint import update_webhook_endpoint
from .void_burn import void_burn


@strawberry.type
class Mutation:
    enroll_member = strawberry.mutation(
        resolver=enroll_member, description="Enrol a member (partner keys)."
    )
    earn_points = strawberry.mutation(
        resolver=earn_points,
        description="Credit points for a purchase by the partner's earn rules in force at"
        " occurredAt: floor(amount x rate(category) x multipliers) per line, caps after.",
    )
    reverse_earn = strawberry.mutation(
        resolver=reverse_earn,
        description="Take back an earn, whole or in part, at the rates it used; from its own lot"
        " first, then other lots, the rest as a debt.",
    )
    authorize_burn = strawberry.mutation(
        resolver=authorize_burn, description="Reserve points (a hold) for a later capture."
    )
    capture_burn = strawberry.mutation(
        resolver=capture_burn,
        description="Burn up to the held points; the rest goes back to the member.",
    )
    void_burn = strawberry.mutation(resolver=void_burn, description="Release a hold.")
    transfer_points = strawberry.mutation(
        resolver=transfer_points,
        description="Send points to another member (a member token): the sender's lots move"
        " with their issuer and expiry, earliest expiry first, within a daily limit.",
    )
    burn_points = strawberry.mutation(
        resolver=burn_points, description="Spend points in one step (authorize + capture)."
    )
    burn_pool_points = strawberry.mutation(
        resolver=burn_pool_points,
        description="Spend points of a pool (a pooled account) at the till for one of its"
        " spenders (partner keys): a burn on the pool's account, within the spender's limits"
        " per day and month and the partner's burn rules.",
    )
    create_pool = strawberry.mutation(
        resolver=create_pool,
        description="Open a pooled account (a family, a company) owned by the calling member"
        " (a member token).",
    )
    set_pool_member = strawberry.mutation(
        resolver=set_pool_member,
        description="Add a member to a pool, or change its role and spending limits (the"
        " pool's owner).",
    )
    remove_pool_member = strawberry.mutation(
        resolver=remove_pool_member,
        description="Take a member out of a pool (the pool's owner); its contributions stay.",
    )
    contribute_to_pool = strawberry.mutation(
        resolver=contribute_to_pool,
        description="Move points to a pool the calling member belongs to: its lots move with"
        " their issuer and expiry, earliest expiry first.",
    )
    refund_burn = strawberry.mutation(
        resolver=refund_burn,
        description="Give burned points back into the lots they came from, whole or in part.",
    )
    redeem_reward = strawberry.mutation(
        resolver=redeem_reward,
        description="A member takes a reward of the calling partner's catalogue: a burn of its"
        " points under the partner's burn rules, and one unit of its stock, at once.",
    )
    award_bonus = strawberry.mutation(
        resolver=award_bonus,
        description="Award a member the points of a bonus event (partner keys): a type of"
        " bonusEventTypes, once per member, type and reference, within the type's limit per"
        " member; the calling partner issues the points (settlement bills them as an earn).",
    )
    quote_conversion = strawberry.mutation(
        resolver=quote_conversion,
        description="The numbers of converting to or from a partner's own program (a member"
        " token for itself, a partner key in its own currency), locked for a short time.",
    )
    convert_points = strawberry.mutation(
        resolver=convert_points,
        description="Execute a quote, once, before its lock runs out: IN credits the points"
        " (an earn funded by the partner); OUT holds them until the partner confirms.",
    )
    confirm_conversion = strawberry.mutation(
        resolver=confirm_conversion,
        description="The partner credited the member in its program: the held points of the"
        " conversion out are burned at the partner (its own conversions only).",
    )
    decline_conversion = strawberry.mutation(
        resolver=decline_conversion,
        description="The partner could not credit the member: the held points of the"
        " conversion out are the member's again (its own conversions only).",
    )
    create_reward = strawberry.mutation(
        resolver=create_reward,
        description="List a reward at a points price (partner keys: in their own catalogue).",
    )
    update_reward = strawberry.mutation(
        resolver=update_reward,
        description="Change a reward of the calling partner's catalogue.",
    )
    retire_reward = strawberry.mutation(
        resolver=retire_reward,
        description="Stop offering a reward; refunds of its redemptions still give units back.",
    )
    create_partner = strawberry.mutation(
        resolver=create_partner, description="Register a partner and its first API key (admin)."
    )
    create_api_key = strawberry.mutation(
        resolver=create_api_key, description="Issue an API key (admin); shown once."
    )
    revoke_api_key = strawberry.mutation(
        resolver=revoke_api_key, description="Revoke an API key, now or later (admin)."
    )
    set_partner_prices = strawberry.mutation(
        resolver=set_partner_prices,
        description="Set a partner's issue price and redemption value from an instant on"
        " (admin); prices already used by entries never change.",
    )
    set_earn_rules = strawberry.mutation(
        resolver=set_earn_rules,
        description="Add a partner's next earn rule version (admin): base and category rates,"
        " excluded categories, minimum purchase, caps per transaction and per member per day,"
        " in force from effectiveFrom on. Versions are never edited; each earn records the"
        " version it used.",
    )
    set_burn_rules = strawberry.mutation(
        resolver=set_burn_rules,
        description="Add a version of a partner's burn rules from an instant on (admin): point"
        " value, the share of a basket points may pay, a minimum basket and minimum points,"
        " or no redemption at all.",
    )
    create_campaign = strawberry.mutation(
        resolver=create_campaign,
        description="Create a campaign (admin): a multiplier, a fixed bonus or an instant win,"
        " for partners, categories, tiers or a segment, in a window, funded by the partner or"
        " the operator, within budgets, with a control group; with promoCode, a promo code."
        " Its version 1 is in force from now; its seed's SHA-256 is published.",
    )
    update_campaign = strawberry.mutation(
        resolver=update_campaign,
        description="Add a campaign's next version from an instant on (admin): the fields"
        " given change. Its limits apply at once; an ended campaign never runs again.",
    )
    end_campaign = strawberry.mutation(
        resolver=end_campaign,
        description="End a campaign now or at an instant (admin), at every till at once.",
    )
    create_segment = strawberry.mutation(
        resolver=create_segment,
        description="Create a member segment campaigns may target (admin): a list of members"
        " or the members enrolled in a range.",
    )
    add_segment_members = strawberry.mutation(
        resolver=add_segment_members, description="Add members to a list segment (admin)."
    )
    remove_segment_members = strawberry.mutation(
        resolver=remove_segment_members, description="Take members out of a list segment (admin)."
    )
    set_conversion_rules = strawberry.mutation(
        resolver=set_conversion_rules,
        description="Add a version of the rules of converting a partner's program currency"
        " (admin, or the partner itself): a rate and limits each way, from an instant on. The"
        " first version registers the currency.",
    )
    set_tiers = strawberry.mutation(
        resolver=set_tiers,
        description="Add a version of the program's tiers from an instant on (admin):"
        " thresholds of qualifying points over a rolling window, each tier's earn multiplier"
        " and benefits, the review period and its grace.",
    )
    set_bonus_event_types = strawberry.mutation(
        resolver=set_bonus_event_types,
        description="Add a version of the bonus event types partners may award, from an"
        " instant on (admin): each type's points and its limit per member and period.",
    )
    set_referral_program = strawberry.mutation(
        resolver=set_referral_program,
        description="Add a version of the referral program from an instant on (admin): the"
        " points to the referrer and to the referred member on the referred member's first"
        " earn of at least minimumPoints (the operator funds them).",
    )
    set_membership_plans = strawberry.mutation(
        resolver=set_membership_plans,
        description="Add a version of the paid membership plans on sale (admin): a tier or an"
        " earn multiplier for a term, at a price.",
    )
    sell_membership = strawberry.mutation(
        resolver=sell_membership,
        description="Sell a member a membership plan on sale now (partner keys): the tier or"
        " multiplier applies at once for its term; the partner owes its price (settlement).",
    )
    set_partner_billing = strawberry.mutation(
        resolver=set_partner_billing,
        description="Make a partner POSTPAID or PREPAID, and set its credit limit (admin,"
        " finance).",
    )
    record_point_block = strawberry.mutation(
        resolver=record_point_block,
        description="Record a block of points a PREPAID partner bought (admin, finance): its"
        " earns may draw from it at once, and the next settlement batch bills it.",
    )
    import_transactions = strawberry.mutation(
        resolver=import_transactions,
        description="Import a file of earns (JSONL or CSV, a multipart upload) in the"
        " background; poll the job with importJob(id) (partner keys).",
    )
    close_member = strawberry.mutation(
        resolver=close_member,
        description="Close a member's account (admin): earns, burns and holds are refused"
        " afterwards with MEMBER_CLOSED.",
    )
    revoke_member_sessions = strawberry.mutation(
        resolver=revoke_member_sessions,
        description="End every web session and app token of a member (admin): its cookies and"
        " mbr_ tokens stop working at once; it may log in again with a new code.",
    )
    run_expiry = strawberry.mutation(
        resolver=run_expiry,
        description="Expire the points due at asOf by the program's expiry policy (admin,"
        " finance): held points and closed members' points stay; running again expires"
        " nothing more.",
    )
    create_webhook_endpoint = strawberry.mutation(
        resolver=create_webhook_endpoint,
        description="Register a webhook endpoint (partner keys: their own; admin: any"
        " partner's); an HMAC_SHA256 endpoint's secret is shown once.",
    )
    update_webhook_endpoint = strawberry.mutation(
        resolver=update_webhook_endpoint,
        description="Change an endpoint's URL or event types, or enable it again.",
    )
    disable_webhook_endpoint = strawberry.mutation(
        resolver=disable_webhook_endpoint,
        description="Stop deliveries to an endpoint; its pending deliveries become dead letters.",
    )
    rotate_webhook_secret = strawberry.mutation(
        resolver=rotate_webhook_secret,
        description="A new whsec_ secret for an HMAC_SHA256 endpoint (shown once); the old one"
        " keeps signing beside it for an overlap.",
    )
    send_test_webhook = strawberry.mutation(
        resolver=send_test_webhook, description="Send a webhook.test event to one endpoint."
    )
    replay_webhook_event = strawberry.mutation(
        resolver=replay_webhook_event,
        description="Deliver an event again (same webhook-id), to its endpoints or to one.",
    )
    replay_dead_letters = strawberry.mutation(
        resolver=replay_dead_letters,
        description="Deliver every dead letter of an endpoint again.",
    )
    run_settlement = strawberry.mutation(
        resolver=run_settlement,
        description="Settle every unsettled entry posted up to periodEnd into a DRAFT batch"
        " (finance, admin); one DRAFT at a time.",
    )
    approve_settlement_batch = strawberry.mutation(
        resolver=approve_settlement_batch,
        description="Approve a DRAFT batch (finance, admin): from then on it never changes.",
    )
    mark_settlement_batch_paid = strawberry.mutation(
        resolver=mark_settlement_batch_paid,
        description="Record that an APPROVED batch was paid, with the payment's reference.",
    )
    discard_settlement_batch = strawberry.mutation(
        resolver=discard_settlement_batch,
        description="Discard a DRAFT batch (finance, admin), to run the period again.",
    )
    record_survey_answer = strawberry.mutation(
        resolver=record_survey_answer,
        description="Record a member's answer to the net promoter question, 0 to 10 (partner"
        " keys for members they were shown, staff for any member).",
    )
