"""The demo coalition ``exchange serve --demo`` creates, once.

The operator (an admin key), three partners (a fuel station, a grocer, an airline, whose
SkyMiles members may convert to and from points) and three members whose starting points come
from real earns through the ledger, so every invariant holds from the first request. A
second run finds the partners and changes nothing.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.kit.money import parse_money
from exchange.ledger import members
from exchange.ledger.errors import MemberNotFound
from exchange.ledger.outcome import Request
from exchange.ledger.queries import member_summaries
from partners import registry
from partners.conversions import checks as conversion_checks
from partners.conversions import store as conversion_store
from partners.errors import PartnerNotFound
from partners.keys import create_key
from partners.purchases import earn_purchase, purchase_body

SEED_LOCK = 7_310_001
"""Advisory lock id: two ``serve --demo`` starting together seed once."""


@dataclass(frozen=True)
class PartnerSpec:
    code: str
    name: str
    earn_rate: str
    """Points per whole unit of money spent."""
    issue_price: str
    """Money the partner pays per point it issues."""
    redemption_value: str
    """Money the partner is paid per point redeemed at its tills."""
    validity_days: int


@dataclass(frozen=True)
class MemberSpec:
    email: str
    phone: str
    card_number: str
    purchases: tuple[tuple[str, str], ...]
    """(partner code, amount paid) for each starting earn."""


def demo_card(serial: int) -> str:
    body = f"{members.CARD_PREFIX}{serial:011d}"
    return body + members.luhn_check_digit(body)


PARTNERS = (
    PartnerSpec("FUEL", "Demo Fuel Station", "1", "0.010", "0.008", 365),
    PartnerSpec("GROCER", "Demo Grocer", "2", "0.006", "0.005", 365),
    PartnerSpec("AIRLINE", "Demo Airline", "2", "0.012", "0.010", 730),
)
MEMBERS = (
    MemberSpec(
        "ana@example.com", "+37360100001", demo_card(1), (("FUEL", "60.00"), ("GROCER", "45.50"))
    ),
    MemberSpec("ben@example.com", "+37360100002", demo_card(2), (("AIRLINE", "420.00"),)),
    MemberSpec(
        "chloe@example.com", "+37360100003", demo_card(3), (("GROCER", "12.80"), ("FUEL", "35.00"))
    ),
)
CURL_PARTNER = "FUEL"


@dataclass(frozen=True)
class DemoKey:
    role: str
    partner_code: str | None
    name: str
    secret: str


@dataclass(frozen=True)
class DemoMember:
    id: int
    email: str | None
    phone: str | None
    card_number: str | None
    balance: int

    @property
    def global_id(self) -> str:
        return to_global_id("Member", self.id)


@dataclass(frozen=True)
class DemoCoalition:
    created: bool
    """False when the demo was already there: no keys, since only their hashes are kept."""
    keys: tuple[DemoKey, ...]
    members: tuple[DemoMember, ...]

    def key_for(self, partner_code: str) -> str | None:
        return next((k.secret for k in self.keys if k.partner_code == partner_code), None)


async def seed(pool: Pool, *, currency: str, now: datetime) -> DemoCoalition:
    """Create the demo coalition unless its partners exist; one transaction either way."""
    async with transaction(pool) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (SEED_LOCK,))
        if await is_seeded(conn):
            return DemoCoalition(created=False, keys=(), members=await demo_members(conn, now))
        keys = await _create_partners(conn, currency, now)
        await _create_program_currency(conn, now)
        admin = await create_key(conn, role="admin", partner_id=None, name="demo operator")
        await _create_members(conn, currency, now)
        return DemoCoalition(
            created=True,
            keys=(*keys, DemoKey("admin", None, "Operator (admin)", admin.secret)),
            members=await demo_members(conn, now),
        )


async def is_seeded(conn: Conn) -> bool:
    try:
        await registry.get_partner(conn, code=PARTNERS[0].code)
    except PartnerNotFound:
        return False
    return True


async def _create_partners(conn: Conn, currency: str, now: datetime) -> list[DemoKey]:
    keys = []
    for spec in PARTNERS:
        _, key = await registry.create_partner(
            conn,
            registry.NewPartner(
                code=spec.code,
                name=spec.name,
                earn_rate=Decimal(spec.earn_rate),
                issue_price=Decimal(spec.issue_price),
                redemption_value=Decimal(spec.redemption_value),
                currency=currency,
                point_validity_days=spec.validity_days,
            ),
            now=now,
        )
        keys.append(DemoKey("partner", spec.code, spec.name, key.secret))
    return keys


async def _create_program_currency(conn: Conn, now: datetime) -> None:
    """The airline's SkyMiles: 1 mile = 0.8 points in, 1 point = 1.25 miles out."""
    limits = {"minimum_points": 100, "maximum_points": 50_000, "daily_points": 100_000}
    rules = conversion_store.NewRules(
        partner_code="AIRLINE",
        currency="SKY",
        name="SkyMiles",
        decimals=0,
        effective_from=now,
        terms=conversion_checks.terms(
            conversion_checks.way("in", offered=True, rate_text="0.8", **limits),
            conversion_checks.way("out", offered=True, rate_text="1.25", **limits),
        ),
    )
    await conversion_store.add_rules(
        conn, rules, caller="demo-seed", key=None, actor="exchange serve --demo", now=now
    )


async def _create_members(conn: Conn, currency: str, now: datetime) -> None:
    partner_ids = {p.code: p.id for p in await registry.list_partners(conn)}
    for spec in MEMBERS:
        member_id = await members.enroll(
            conn,
            enrolment=members.Enrolment(
                email=spec.email, phone=spec.phone, card_number=spec.card_number
            ),
            partner_id=partner_ids[spec.purchases[0][0]],
            now=now,
        )
        for partner in PARTNERS:  # every demo partner may look the demo members up
            await members.link(
                conn, member_id=member_id, partner_id=partner_ids[partner.code], external_id=None
            )
        for number, (code, amount) in enumerate(spec.purchases, start=1):
            await _earn(
                conn,
                member_id,
                partner_ids[code],
                f"DEMO-{member_id}-{number}",
                amount,
                currency,
                now,
            )


async def _earn(
    conn: Conn,
    member_id: int,
    partner_id: int,
    order_id: str,
    amount: str,
    currency: str,
    now: datetime,
) -> None:
    """A purchase earning points exactly as ``earnPoints`` would: the partner's flat rate."""
    money = parse_money(amount, currency, program_currency=currency)
    request = Request(
        caller="demo-seed",
        idempotency_key=order_id,
        operation="earnPoints",
        body=purchase_body(member_id, order_id, money, [], None),
    )
    await earn_purchase(
        conn,
        request,
        partner_id=partner_id,
        member_id=member_id,
        money=money,
        lines=[],
        order_id=order_id,
        occurred_at=now,
        now=now,
    )


async def demo_members(conn: Conn, now: datetime) -> tuple[DemoMember, ...]:
    ids = []
    for spec in MEMBERS:
        try:
            ids.append(await members.find(conn, partner_id=None, email=spec.email))
        except MemberNotFound:
            continue
    summaries = await member_summaries(conn, ids, partner_id=None, now=now)
    return tuple(
        DemoMember(
            id=s.id, email=s.email, phone=s.phone, card_number=s.card_number, balance=s.balance
        )
        for s in (summaries[i] for i in ids if i in summaries)
    )


EARN_MUTATION = (
    "mutation Earn($input: EarnPointsInput!) { earnPoints(input: $input) {"
    " transaction { id points } userErrors { code message } } }"
)


NO_KEY = "Authorization: Bearer $PARTNER_KEY"


def earn_curl(*, url: str, key: str | None, member_id: str, currency: str) -> str:
    """A copy-pasteable curl that earns points for a purchase of 25.00 (idempotent: run it
    twice and the second returns the same transaction). No key: ``$PARTNER_KEY``."""
    body = {
        "query": EARN_MUTATION,
        "variables": {
            "input": {
                "memberId": member_id,
                "orderId": "DEMO-ORDER-1",
                "amount": {"amount": "25.00", "currency": currency},
                "idempotencyKey": "demo-earn-1",
            }
        },
    }
    auth = shlex.quote(f"Authorization: Bearer {key}") if key else f'"{NO_KEY}"'
    return (
        f"curl -sS {shlex.quote(url)} -H {auth} -H 'Content-Type: application/json'"
        f" -d {shlex.quote(json.dumps(body, separators=(',', ':')))}"
    )
