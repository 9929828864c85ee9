"""The authorization matrix: every query and mutation of schema.graphql, called as each kind
of caller, with exactly what each gets. Partner A owns the objects (a member it enrolled,
its earns, holds, rewards, webhook endpoints, import jobs); partner B is another partner;
``member`` is A's member's own token; ``no_key`` sends no credential, ``revoked`` a revoked
admin key.

Outcomes: ``OK`` (done, or data shown), ``NULL`` (nothing the caller may see), ``EMPTY`` (a
list with nothing the caller may see), an error or userError code (``FORBIDDEN``,
``MEMBER_NOT_FOUND``...), ``UNAUTHENTICATED`` (HTTP 401, before any GraphQL runs).

A new operation in the schema without a row here fails ``test_every_operation_has_a_row``.
Another partner's object is never ``FORBIDDEN`` but not found (``test_cross_partner...``).
Every cell calls the gateway; objects a call may use up are made afresh for it."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from authz_world import PRINCIPALS, PUBLIC_HOOK, World, eur, key, later, upload
from gateway_support import member_gid
from graphql import build_schema
from principals_support import make_cast

from exchange.gateway.app import create_app_for
from exchange.kit.db import transaction
from exchange.ledger import members

SCHEMA = build_schema((Path(__file__).parent.parent.parent / "schema.graphql").read_text())
Setup = Callable[[World], Awaitable[dict[str, Any]]]


async def none(world: World) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Row:
    document: str
    expect: dict[str, str]
    setup: Setup = none
    path: tuple[str, ...] = ()
    """Where under the root field to look (``viewer`` → ``member``)."""
    upload: bool = False


def mutation(name: str, selection: str = "") -> str:
    input_type = name[0].upper() + name[1:] + "Input"
    return (
        f"mutation($input: {input_type}!) {{ {name}(input: $input)"
        f" {{ {selection} userErrors {{ code }} }} }}"
    )


def expect(
    a: str, b: str, member: str = "FORBIDDEN", finance: str = "FORBIDDEN", admin: str = "FORBIDDEN"
) -> dict[str, str]:
    return {"partner_a": a, "partner_b": b, "member": member, "finance": finance, "admin": admin}


STAFF = expect("FORBIDDEN", "FORBIDDEN", finance="OK", admin="OK")
ADMIN_ONLY = expect("FORBIDDEN", "FORBIDDEN", admin="OK")


def inputs(make: Callable[[World], Awaitable[dict[str, Any]]]) -> Setup:
    """A setup whose variables are one ``input``."""

    async def setup(world: World) -> dict[str, Any]:
        return {"input": await make(world)}

    return setup


def variables(make: Callable[[World], Awaitable[dict[str, Any]]]) -> Setup:
    return make


# --- the table: one row per operation ------------------------------------------------------

QUERIES: dict[str, Row] = {
    "viewer": Row(
        "{ viewer { member { id } } }",
        expect("NULL", "NULL", member="OK", finance="NULL", admin="NULL"),
        path=("member",),
    ),
    "member": Row(
        "query($id: ID) { member(id: $id) { id balance } }",
        expect("OK", "NULL", finance="OK", admin="OK"),
        variables(lambda w: _const({"id": w.member})),
    ),
    "transactions": Row(
        "query($m: ID) { transactions(first: 10, memberId: $m) { edges { cursor } } }",
        expect("OK", "EMPTY", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _const({"m": w.member})),
    ),
    "hold": Row(
        "query($id: ID!) { hold(id: $id) { id } }",
        expect("OK", "NULL", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _wrap("id", w.hold())),
    ),
    "importJob": Row(
        "query($id: ID!) { importJob(id: $id) { id } }",
        expect("OK", "NULL", finance="FORBIDDEN", admin="FORBIDDEN"),
        variables(lambda w: _wrap("id", w.import_job())),
    ),
    "node": Row(
        "query($id: ID!) { node(id: $id) { id } }",
        expect("OK", "NULL", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _wrap("id", w.earn())),
    ),
    "earnQuote": Row(
        'query($m: ID!) { earnQuote(memberId: $m, amount: {amount: "10.00", currency: "EUR"})'
        " { points } }",
        expect("OK", "MEMBER_NOT_FOUND"),
        variables(lambda w: _const({"m": w.member})),
    ),
    "burnQuote": Row(
        'query($m: ID!) { burnQuote(memberId: $m, amount: {amount: "10.00", currency: "EUR"})'
        " { maxPoints } }",
        expect("OK", "MEMBER_NOT_FOUND"),
        variables(lambda w: _const({"m": w.member})),
    ),
    "partners": Row("{ partners { code } }", STAFF),
    "apiKeys": Row("{ apiKeys { id } }", ADMIN_ONLY),
    "campaigns": Row(
        "{ campaigns(first: 10) { edges { cursor } } }",
        expect("OK", "EMPTY", finance="OK", admin="OK"),
        variables(lambda w: _after(w.campaign(), {})),
    ),
    "campaign": Row(
        "query($c: String!) { campaign(code: $c) { code } }",
        expect("OK", "NULL", finance="OK", admin="OK"),
        variables(lambda w: _wrap("c", w.campaign())),
    ),
    "segments": Row("{ segments { code } }", STAFF, variables(lambda w: _after(w.segment(), {}))),
    "verifyInstantWin": Row(
        "query($t: ID!, $c: String!) { verifyInstantWin(transactionId: $t, campaignCode: $c)"
        " { __typename } }",
        # an earn at A drew for an instant-win campaign: its member and staff may check
        # the draw, partner B does not even find the transaction
        expect("OK", "NOT_FOUND", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _instant_win(w)),
    ),
    "tierLadder": Row("{ tierLadder { version } }", expect("NULL", "NULL", "NULL", "NULL", "NULL")),
    "tierLadders": Row(
        "{ tierLadders { version } }", expect("EMPTY", "EMPTY", "EMPTY", "EMPTY", "EMPTY")
    ),
    "membershipPlans": Row(
        "{ membershipPlans { version } }", expect("NULL", "NULL", "NULL", "NULL", "NULL")
    ),
    "rewards": Row(
        "query($p: String) { rewards(partnerCode: $p, first: 10) { edges { cursor } } }",
        expect("OK", "OK", "OK", "OK", "OK"),
        variables(lambda w: _after(w.reward(), {"p": w.cast.partner_a.code})),
    ),
    "webhookEndpoints": Row(
        "{ webhookEndpoints { id } }",
        expect("OK", "EMPTY", finance="OK", admin="OK"),
        variables(lambda w: _after(w.endpoint(), {})),
    ),
    "webhookEvents": Row(
        "{ webhookEvents(first: 10) { edges { cursor } } }",
        expect("OK", "EMPTY", finance="OK", admin="OK"),
        variables(lambda w: _after(w.webhook_event(), {})),
    ),
    "webhookEventTypes": Row(
        "{ webhookEventTypes { name } }", expect("OK", "OK", "OK", "OK", "OK")
    ),
    "settlementBatches": Row(
        "{ settlementBatches(first: 10) { edges { cursor } } }",
        expect("OK", "OK", finance="OK", admin="OK"),
        variables(lambda w: _after(w.approved_batch(), {})),
    ),
    "settlementBatch": Row(
        "query($id: ID!) { settlementBatch(id: $id) { id } }",
        expect("NULL", "NULL", finance="OK", admin="OK"),
        variables(lambda w: _wrap("id", w.draft_batch())),
    ),
    "liabilityReport": Row(
        "{ liabilityReport { __typename } }", expect("OK", "OK", finance="OK", admin="OK")
    ),
    "programReport": Row(
        "query($f: DateTime!, $t: DateTime!) { programReport(from: $f, to: $t) { __typename } }",
        expect("OK", "OK", finance="OK", admin="OK"),
        variables(lambda w: _const({"f": later(days=-30), "t": later(days=1)})),
    ),
    "ledgerAudit": Row("{ ledgerAudit { ok } }", STAFF),
    "bonusEventTypes": Row(
        "{ bonusEventTypes { version } }",
        expect("OK", "OK", "OK", "OK", "OK"),
        variables(lambda w: _after(w.bonus_type(), {})),
    ),
    "bonusCatalogues": Row(
        "{ bonusCatalogues { version } }",
        expect("OK", "OK", "OK", "OK", "OK"),
        variables(lambda w: _after(w.bonus_type(), {})),
    ),
    "referralProgram": Row(
        "{ referralProgram { version } }", expect("NULL", "NULL", "NULL", "NULL", "NULL")
    ),
    "referralPrograms": Row(
        "{ referralPrograms { version } }", expect("EMPTY", "EMPTY", "EMPTY", "EMPTY", "EMPTY")
    ),
    "programCurrencies": Row(
        "{ programCurrencies { code } }",
        expect("OK", "OK", "OK", "OK", "OK"),
        variables(lambda w: _after(w.currency(), {})),
    ),
    "conversions": Row(
        "{ conversions(first: 10) { edges { cursor } } }",
        expect("OK", "EMPTY", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _after(w.conversion(), {})),
    ),
    "conversion": Row(
        "query($id: ID!) { conversion(id: $id) { id } }",
        expect("OK", "NULL", member="OK", finance="OK", admin="OK"),
        variables(lambda w: _wrap("id", w.conversion())),
    ),
    "auditEvents": Row("{ auditEvents(first: 10) { edges { cursor } } }", STAFF),
}


MUTATIONS: dict[str, Row] = {
    "enrollMember": Row(
        mutation("enrollMember", "member { id }"),
        expect("OK", "OK"),
        inputs(lambda w: _const({"externalId": key()})),
    ),
    "earnPoints": Row(
        mutation("earnPoints"),
        expect("OK", "MEMBER_NOT_FOUND"),
        inputs(
            lambda w: _const({"memberId": w.member, "amount": eur("5.00"), "idempotencyKey": key()})
        ),
    ),
    "reverseEarn": Row(
        mutation("reverseEarn"),
        expect("OK", "NOT_FOUND"),
        inputs(lambda w: _field("transactionId", w.earn(), idempotencyKey=key())),
    ),
    "authorizeBurn": Row(
        mutation("authorizeBurn"),
        expect("OK", "MEMBER_NOT_FOUND"),
        inputs(lambda w: _const({"memberId": w.member, "points": 1, "idempotencyKey": key()})),
    ),
    "captureBurn": Row(
        mutation("captureBurn"),
        expect("OK", "HOLD_NOT_FOUND"),
        inputs(lambda w: _field("holdId", w.hold(), idempotencyKey=key())),
    ),
    "voidBurn": Row(
        mutation("voidBurn"),
        expect("OK", "HOLD_NOT_FOUND"),
        inputs(lambda w: _field("holdId", w.hold(), idempotencyKey=key())),
    ),
    "burnPoints": Row(
        mutation("burnPoints"),
        expect("OK", "MEMBER_NOT_FOUND"),
        inputs(lambda w: _const({"memberId": w.member, "points": 1, "idempotencyKey": key()})),
    ),
    "refundBurn": Row(
        mutation("refundBurn"),
        expect("OK", "NOT_FOUND"),
        inputs(lambda w: _field("transactionId", w.burn(), idempotencyKey=key())),
    ),
    "redeemReward": Row(
        mutation("redeemReward"),
        expect("OK", "REWARD_NOT_FOUND"),
        inputs(lambda w: _field("rewardId", w.reward(), memberId=w.member, idempotencyKey=key())),
    ),
    "transferPoints": Row(
        mutation("transferPoints"),
        expect("FORBIDDEN", "FORBIDDEN", member="OK"),
        inputs(
            lambda w: _const(
                {"toMemberId": member_gid(w.member_b), "points": 1, "idempotencyKey": key()}
            )
        ),
    ),
    "createReward": Row(
        mutation("createReward"),
        expect("OK", "OK"),
        inputs(lambda w: _const({"name": "Tea", "points": 3, "idempotencyKey": key()})),
    ),
    "updateReward": Row(
        mutation("updateReward"),
        expect("OK", "REWARD_NOT_FOUND"),
        inputs(lambda w: _field("rewardId", w.reward(), name="Better coffee")),
    ),
    "retireReward": Row(
        mutation("retireReward"),
        expect("OK", "REWARD_NOT_FOUND"),
        inputs(lambda w: _field("rewardId", w.reward())),
    ),
    "createPartner": Row(
        mutation("createPartner"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "name": "New partner",
                    "code": f"NP_{key()[-8:].upper()}",
                    "issuePrice": eur("0.010"),
                    "redemptionValue": eur("0.008"),
                    "earnRate": "1",
                }
            )
        ),
    ),
    "createApiKey": Row(
        mutation("createApiKey"),
        ADMIN_ONLY,
        inputs(lambda w: _const({"role": "FINANCE", "name": "matrix"})),
    ),
    "revokeApiKey": Row(
        mutation("revokeApiKey"),
        ADMIN_ONLY,
        inputs(lambda w: _field("id", w.api_key_of_a())),
    ),
    "setPartnerPrices": Row(
        mutation("setPartnerPrices"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "partnerCode": w.cast.partner_b.code,
                    "effectiveFrom": later(days=400),
                    "issuePrice": eur("0.010"),
                    "redemptionValue": eur("0.008"),
                }
            )
        ),
    ),
    "setEarnRules": Row(
        mutation("setEarnRules"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "partnerCode": w.cast.partner_b.code,
                    "effectiveFrom": later(days=400),
                    "baseRate": "1",
                    "categoryRates": [],
                    "excludedCategories": [],
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "setBurnRules": Row(
        mutation("setBurnRules"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "partnerCode": w.cast.partner_b.code,
                    "effectiveFrom": later(days=400),
                    "acceptsRedemption": True,
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "createCampaign": Row(
        mutation("createCampaign"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "code": f"MC_{key()[-8:].upper()}",
                    "name": "Later double",
                    "kind": "MULTIPLIER",
                    "multiplier": "2",
                    "startsAt": later(days=400),
                    "endsAt": later(days=401),
                    "partnerCodes": [w.cast.partner_b.code],
                    "categories": [],
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "updateCampaign": Row(
        mutation("updateCampaign"),
        ADMIN_ONLY,
        inputs(lambda w: _field("code", w.campaign(), name="Renamed", idempotencyKey=key())),
    ),
    "endCampaign": Row(
        mutation("endCampaign"),
        ADMIN_ONLY,
        inputs(lambda w: _field("code", w.campaign(), idempotencyKey=key())),
    ),
    "createSegment": Row(
        mutation("createSegment"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const({"code": f"MS_{key()[-8:].upper()}", "name": "New", "memberIds": []})
        ),
    ),
    "addSegmentMembers": Row(
        mutation("addSegmentMembers"),
        ADMIN_ONLY,
        inputs(lambda w: _field("code", w.segment(), memberIds=[w.member])),
    ),
    "removeSegmentMembers": Row(
        mutation("removeSegmentMembers"),
        ADMIN_ONLY,
        inputs(lambda w: _field("code", w.segment(), memberIds=[w.member])),
    ),
    "setTiers": Row(
        mutation("setTiers"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "effectiveFrom": later(days=400),
                    "tiers": [{"name": "Blue", "threshold": 0, "multiplier": "1", "benefits": "-"}],
                    "window": "P365D",
                    "reviewEvery": "P90D",
                    "graceDays": 14,
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "setMembershipPlans": Row(
        mutation("setMembershipPlans"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "effectiveFrom": later(days=400),
                    "plans": [
                        {
                            "code": "BOOST",
                            "name": "Boost",
                            "multiplier": "1.5",
                            "term": "P30D",
                            "price": eur("5.00"),
                        }
                    ],
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "sellMembership": Row(
        mutation("sellMembership"),
        # no plan is on sale: partner A gets as far as the plan, B not even to the member
        expect("MEMBERSHIP_PLAN_NOT_FOUND", "MEMBER_NOT_FOUND"),
        inputs(lambda w: _const({"memberId": w.member, "plan": "NOPE", "idempotencyKey": key()})),
    ),
    "setPartnerBilling": Row(
        mutation("setPartnerBilling"),
        STAFF,
        inputs(lambda w: _const({"partnerCode": w.cast.partner_b.code, "billing": "POSTPAID"})),
    ),
    "recordPointBlock": Row(
        mutation("recordPointBlock"),
        STAFF,
        inputs(lambda w: _prepaid_block(w)),
    ),
    "importTransactions": Row(
        mutation("importTransactions", "job { id }"),
        expect("OK", "OK"),
        upload=True,
    ),
    "closeMember": Row(
        mutation("closeMember"),
        ADMIN_ONLY,
        inputs(lambda w: _closable(w)),
    ),
    "revokeMemberSessions": Row(
        mutation("revokeMemberSessions"),
        ADMIN_ONLY,
        inputs(lambda w: _const({"memberId": member_gid(w.member_b)})),
    ),
    "runExpiry": Row(
        mutation("runExpiry"), STAFF, inputs(lambda w: _const({"idempotencyKey": key()}))
    ),
    "createWebhookEndpoint": Row(
        mutation("createWebhookEndpoint"),
        expect("OK", "OK", finance="FORBIDDEN", admin="OK"),
        inputs(
            lambda w: _const(
                {
                    "url": PUBLIC_HOOK,
                    "eventTypes": ["points.earned"],
                    "signing": "ED25519",
                    # staff name the partner; a partner key makes its own
                    **({"partnerCode": w.cast.partner_a.code} if w.caller == "admin" else {}),
                }
            )
        ),
    ),
    "updateWebhookEndpoint": Row(
        mutation("updateWebhookEndpoint"),
        expect("OK", "WEBHOOK_ENDPOINT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("id", w.endpoint(), eventTypes=["points.earned", "burn.captured"])),
    ),
    "disableWebhookEndpoint": Row(
        mutation("disableWebhookEndpoint"),
        expect("OK", "WEBHOOK_ENDPOINT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("id", w.endpoint())),
    ),
    "rotateWebhookSecret": Row(
        mutation("rotateWebhookSecret"),
        expect("OK", "WEBHOOK_ENDPOINT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("id", w.endpoint())),
    ),
    "sendTestWebhook": Row(
        mutation("sendTestWebhook"),
        expect("OK", "WEBHOOK_ENDPOINT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("endpointId", w.endpoint())),
    ),
    "replayWebhookEvent": Row(
        mutation("replayWebhookEvent"),
        expect("OK", "WEBHOOK_EVENT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("eventId", w.webhook_event())),
    ),
    "replayDeadLetters": Row(
        mutation("replayDeadLetters"),
        expect("OK", "WEBHOOK_ENDPOINT_NOT_FOUND", finance="FORBIDDEN", admin="OK"),
        inputs(lambda w: _field("endpointId", w.endpoint())),
    ),
    "runSettlement": Row(
        mutation("runSettlement"),
        STAFF,
        inputs(
            lambda w: _discarded_then({"periodEnd": later(seconds=-1), "idempotencyKey": key()}, w)
        ),
    ),
    "approveSettlementBatch": Row(
        mutation("approveSettlementBatch"),
        STAFF,
        inputs(lambda w: _field("batchId", w.draft_batch())),
    ),
    "markSettlementBatchPaid": Row(
        mutation("markSettlementBatchPaid"),
        STAFF,
        inputs(lambda w: _field("batchId", w.approved_batch(), reference=key())),
    ),
    "discardSettlementBatch": Row(
        mutation("discardSettlementBatch"),
        STAFF,
        inputs(lambda w: _field("batchId", w.draft_batch())),
    ),
    "createPool": Row(
        mutation("createPool"),
        expect("FORBIDDEN", "FORBIDDEN", member="OK"),
        inputs(lambda w: _const({"name": "Trip", "idempotencyKey": key()})),
    ),
    "setPoolMember": Row(
        mutation("setPoolMember"),
        expect("FORBIDDEN", "FORBIDDEN", member="OK"),
        inputs(
            lambda w: _field(
                "poolId", w.member_pool(), memberId=member_gid(w.member_b), role="SPENDER"
            )
        ),
    ),
    "removePoolMember": Row(
        mutation("removePoolMember"),
        expect("FORBIDDEN", "FORBIDDEN", member="OK"),
        inputs(lambda w: _field("poolId", w.pool_with_b(), memberId=member_gid(w.member_b))),
    ),
    "contributeToPool": Row(
        mutation("contributeToPool"),
        expect("FORBIDDEN", "FORBIDDEN", member="OK"),
        inputs(lambda w: _field("poolId", w.member_pool(), points=1, idempotencyKey=key())),
    ),
    "burnPoolPoints": Row(
        mutation("burnPoolPoints"),
        expect("OK", "MEMBER_NOT_FOUND"),
        inputs(
            lambda w: _field(
                "poolId", w.member_pool(points=5), memberId=w.member, points=1, idempotencyKey=key()
            )
        ),
    ),
    "awardBonus": Row(
        mutation("awardBonus"),
        expect("OK", "MEMBER_NOT_FOUND"),
        inputs(
            lambda w: _field(
                "eventType",
                w.bonus_type(),
                memberId=w.member,
                reference=key(),
                idempotencyKey=key(),
            )
        ),
    ),
    "setBonusEventTypes": Row(
        mutation("setBonusEventTypes"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "effectiveFrom": later(days=400),
                    "eventTypes": [{"code": "SURVEY", "name": "Survey", "points": 5}],
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "setReferralProgram": Row(
        mutation("setReferralProgram"),
        ADMIN_ONLY,
        inputs(
            lambda w: _const(
                {
                    "effectiveFrom": later(days=400),
                    "referrerPoints": 100,
                    "referredPoints": 50,
                    "minimumPoints": 10,
                    "idempotencyKey": key(),
                }
            )
        ),
    ),
    "setConversionRules": Row(
        mutation("setConversionRules"),
        expect("OK", "OK", admin="OK"),
        inputs(lambda w: _program_currency(w)),
    ),
    "quoteConversion": Row(
        mutation("quoteConversion"),
        # partner B converts into its own program only: A's currency is not found for it
        expect("OK", "CONVERSION_CURRENCY_NOT_FOUND", member="OK"),
        inputs(lambda w: _quote_input(w)),
    ),
    "convertPoints": Row(
        mutation("convertPoints"),
        expect("OK", "CONVERSION_QUOTE_NOT_FOUND", member="OK"),
        inputs(lambda w: _field("quoteId", w.quote(_quoter(w)), idempotencyKey=key())),
    ),
    "confirmConversion": Row(
        mutation("confirmConversion"),
        expect("OK", "NOT_FOUND"),
        inputs(lambda w: _field("conversionId", w.conversion(), idempotencyKey=key())),
    ),
    "declineConversion": Row(
        mutation("declineConversion"),
        expect("OK", "NOT_FOUND"),
        inputs(lambda w: _field("conversionId", w.conversion(), idempotencyKey=key())),
    ),
    "recordSurveyAnswer": Row(
        mutation("recordSurveyAnswer"),
        expect("OK", "MEMBER_NOT_FOUND", finance="OK", admin="OK"),
        inputs(lambda w: _const({"memberId": w.member, "score": 9, "idempotencyKey": key()})),
    ),
}

ROWS = {**QUERIES, **MUTATIONS}


# --- the small async helpers the setups use -------------------------------------------------


async def _const(value: dict[str, Any]) -> dict[str, Any]:
    return value


async def _wrap(name: str, made: Awaitable[str]) -> dict[str, Any]:
    return {name: await made}


async def _after(made: Awaitable[object], value: dict[str, Any]) -> dict[str, Any]:
    await made
    return value


async def _field(field: str, made: Awaitable[str], /, **rest: Any) -> dict[str, Any]:
    return {field: await made, **rest}


async def _prepaid_block(world: World) -> dict[str, Any]:
    """Partner B made prepaid (blocks are for prepaid partners), and a block to record."""
    code = world.cast.partner_b.code
    await world.admin.ok("setPartnerBilling", {"partnerCode": code, "billing": "PREPAID"}, "")
    return {
        "partnerCode": code,
        "points": 100,
        "pricePerPoint": eur("0.009"),
        "reference": key(),
        "idempotencyKey": key(),
    }


def _quoter(world: World) -> str:
    """Partner A quotes for its member; anyone else tries the member's own quote."""
    return "partner_a" if world.caller == "partner_a" else "member"


async def _quote_input(world: World) -> dict[str, Any]:
    given = {"currency": await world.currency(), "direction": "OUT", "points": 10}
    return given if world.caller == "member" else {**given, "memberId": world.member}


async def _program_currency(world: World) -> dict[str, Any]:
    """A new currency of the caller's program (admin: of partner A's)."""
    given = {
        "currency": f"X{key()[-5:].upper()}",
        "name": "Other miles",
        "in": {"rate": "1"},
        "idempotencyKey": key(),
    }
    return {**given, "partnerCode": world.cast.partner_a.code} if world.caller == "admin" else given


async def _instant_win(world: World) -> dict[str, Any]:
    code = await world.campaign(kind="INSTANT_WIN", points=5, chance={"wins": 1, "outOf": 2})
    return {"t": await world.earn(), "c": code}


async def _closable(world: World) -> dict[str, Any]:
    async with transaction(world.pool) as conn:
        member = await members.enroll(
            conn,
            enrolment=members.Enrolment(),
            partner_id=world.cast.partner_b.id,
            now=datetime.now(UTC),
        )
    return {"memberId": member_gid(member), "reason": "matrix"}


async def _discarded_then(value: dict[str, Any], world: World) -> dict[str, Any]:
    await world.draft_batch()  # and then discard it, so a run may make the DRAFT
    batches = await world.admin.data("{ settlementBatches(first: 1) { edges { node { id } } } }")
    batch = batches["settlementBatches"]["edges"][0]["node"]["id"]
    await world.admin.ok("discardSettlementBatch", {"batchId": batch}, "")
    return value


# --- reading an answer ----------------------------------------------------------------------


def observed(response: httpx.Response, field: str, path: tuple[str, ...]) -> str:
    if response.status_code == 401:
        return "UNAUTHENTICATED"
    body = response.json()
    errors = body.get("errors") or []
    if response.status_code != 200:
        codes = [error.get("extensions", {}).get("code") for error in errors]
        return f"HTTP {response.status_code} {codes}"
    for error in errors:
        return str(error.get("extensions", {}).get("code"))
    value = body["data"][field]
    for step in path:
        value = None if value is None else value.get(step)
    if value is None:
        return "NULL"
    if isinstance(value, list):
        return "EMPTY" if not value else "OK"
    if isinstance(value, dict):
        if value.get("userErrors"):
            return str(value["userErrors"][0]["code"])
        if "edges" in value:
            return "EMPTY" if not value["edges"] else "OK"
    return "OK"


async def call(world: World, name: str, row: Row, principal: str) -> str:
    credential = world.cast.credentials()[principal]
    if row.upload:
        line = (
            f'{{"memberId": "{world.member}", "amount": "1.00", "currency": "EUR",'
            f' "idempotencyKey": "{key()}"}}'
        )
        response = await upload(world.client, credential, "earns.jsonl", line)
    else:
        world.caller = principal
        variables = await row.setup(world)
        response = await world.api(principal).post(row.document, variables)
    return observed(response, name, row.path)


# --- the tests ------------------------------------------------------------------------------


def test_every_operation_has_a_row():
    operations = set(SCHEMA.query_type.fields) | set(SCHEMA.mutation_type.fields)
    assert sorted(operations - set(ROWS)) == [], "add a row to the authorization matrix"
    assert sorted(set(ROWS) - operations) == []
    assert all(set(row.expect) == set(PRINCIPALS) - {"no_key", "revoked"} for row in ROWS.values())


def test_cross_partner_access_is_not_found_never_forbidden():
    """Partner B is refused A's objects as if they did not exist; FORBIDDEN only where
    partner A, the owner, is refused too (a role that may not call the operation at all)."""
    for name, row in ROWS.items():
        b = row.expect["partner_b"]
        if b == "FORBIDDEN":
            assert row.expect["partner_a"] == "FORBIDDEN", name


@pytest.fixture
async def world(fresh_pool, gateway_settings):
    cast = await make_cast(fresh_pool, gateway_settings)
    app = create_app_for(fresh_pool, gateway_settings)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://gateway.test"
    ) as client:
        async with transaction(fresh_pool) as conn:
            member_b = await members.enroll(
                conn,
                enrolment=members.Enrolment(email="b-member@example.com"),
                partner_id=cast.partner_b.id,
                now=datetime.now(UTC),
            )
        made = World(client, fresh_pool, cast, member_b)
        await made.earn("500.00")  # the member's points at A
        yield made


@pytest.mark.slow
async def test_the_matrix(world):
    """Every operation as every principal; all cells are compared at once, so a failure shows
    the whole difference."""
    seen: dict[str, dict[str, str]] = {}
    for name, row in ROWS.items():
        seen[name] = {}
        for principal in PRINCIPALS:
            seen[name][principal] = await call(world, name, row, principal)
    wanted = {
        name: {**row.expect, "no_key": "UNAUTHENTICATED", "revoked": "UNAUTHENTICATED"}
        for name, row in ROWS.items()
    }
    if os.environ.get("AUTHZ_DISCOVER"):
        for name in ROWS:
            if seen[name] != wanted[name]:
                print(
                    name, {p: seen[name][p] for p in PRINCIPALS if seen[name][p] != wanted[name][p]}
                )
    different = {name: seen[name] for name in ROWS if seen[name] != wanted[name]}
    assert different == {}
    # and every mutation an admin or finance key called is in the audit trail
    async with transaction(world.pool) as conn:
        cur = await conn.execute("SELECT DISTINCT principal, operation FROM audit_events")
        audited = {(row["principal"], row["operation"]) for row in await cur.fetchall()}
    staff_calls = {(role, name) for name in MUTATIONS for role in ("admin", "finance")}
    assert staff_calls - audited == set()


async def test_a_member_token_sees_its_own_account_only(world):
    """What the member token sees of another member (enrolled by B): nothing."""
    b = world.api("partner_b")
    other = member_gid(world.member_b)
    earned = await b.ok(
        "earnPoints",
        {"memberId": other, "amount": eur("20.00"), "idempotencyKey": key()},
        "transaction { id }",
    )
    held = await b.ok(
        "authorizeBurn", {"memberId": other, "points": 1, "idempotencyKey": key()}, "hold { id }"
    )
    me = world.api("member")
    seen = await me.data(
        "query($t: ID!, $h: ID!, $m: ID) { node(id: $t) { id } hold(id: $h) { id }"
        " transactions(first: 10, memberId: $m) { edges { cursor } } viewer { member { id } } }",
        {"t": earned["transaction"]["id"], "h": held["hold"]["id"], "m": other},
    )
    assert seen == {
        "node": None,
        "hold": None,
        "transactions": {"edges": []},
        "viewer": {"member": {"id": world.member}},
    }
    refused = await me.post("query($m: ID) { member(id: $m) { id } }", {"m": other})
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
