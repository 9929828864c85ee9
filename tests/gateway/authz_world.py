"""The world the authorization matrix calls into: a gateway on a database of its own, every
kind of caller (principals_support), and partner A's objects made fresh for a call when the
call may use them up (a hold captured, a batch approved)."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from gateway_support import Api, member_gid
from principals_support import Cast

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id

PUBLIC_HOOK = "https://93.184.216.34/hooks/points"
PRINCIPALS = ("partner_a", "partner_b", "member", "finance", "admin", "no_key", "revoked")


def key() -> str:
    return f"authz-{secrets.token_hex(6)}"


def eur(amount: str) -> dict[str, str]:
    return {"amount": amount, "currency": "EUR"}


def later(**delta: float) -> str:
    return (datetime.now(UTC) + timedelta(**delta)).isoformat()


@dataclass
class World:
    client: httpx.AsyncClient
    pool: Pool
    cast: Cast
    member_b: int
    """A member enrolled by partner B (partner A was never shown it)."""
    made: dict[str, Any] = field(default_factory=dict)
    caller: str = "partner_a"
    """Who the cell being set up calls as."""

    def api(self, principal: str) -> Api:
        return Api(self.client, self.cast.credentials()[principal])

    @property
    def a(self) -> Api:
        return self.api("partner_a")

    @property
    def admin(self) -> Api:
        return self.api("admin")

    @property
    def member(self) -> str:
        return member_gid(self.cast.member_id)

    # --- partner A's objects -------------------------------------------------------------

    async def earn(self, amount: str = "50.00") -> str:
        done = await self.a.ok(
            "earnPoints",
            {"memberId": self.member, "amount": eur(amount), "idempotencyKey": key()},
            "transaction { id }",
        )
        return str(done["transaction"]["id"])

    async def hold(self, points: int = 5) -> str:
        done = await self.a.ok(
            "authorizeBurn",
            {"memberId": self.member, "points": points, "idempotencyKey": key()},
            "hold { id }",
        )
        return str(done["hold"]["id"])

    async def burn(self, points: int = 5) -> str:
        done = await self.a.ok(
            "burnPoints",
            {"memberId": self.member, "points": points, "idempotencyKey": key()},
            "transaction { id }",
        )
        return str(done["transaction"]["id"])

    async def reward(self) -> str:
        done = await self.a.ok(
            "createReward",
            {"name": "A coffee", "points": 5, "stock": 100, "idempotencyKey": key()},
            "reward { id }",
        )
        return str(done["reward"]["id"])

    async def endpoint(self) -> str:
        """Partner A's active endpoint (a new one once a call disabled it: a partner has at
        most 20)."""
        cached = self.made.get("endpoint")
        if cached is not None:
            async with transaction(self.pool) as conn:
                cur = await conn.execute(
                    "SELECT status FROM webhook_endpoints WHERE id = %s", (int(_db_id(cached)),)
                )
                if (await cur.fetchone())["status"] == "ACTIVE":
                    return str(cached)
        done = await self.a.ok(
            "createWebhookEndpoint",
            {"url": PUBLIC_HOOK, "eventTypes": ["points.earned"], "signing": "HMAC_SHA256"},
            "endpoint { id }",
        )
        self.made["endpoint"] = done["endpoint"]["id"]
        return str(done["endpoint"]["id"])

    async def webhook_event(self) -> str:
        """An event of partner A's, as the fan-out makes them, for its endpoint."""
        endpoint = await self.endpoint()
        async with transaction(self.pool) as conn:
            cur = await conn.execute(
                "INSERT INTO outbox_events (event_id, event_type, partner_id, payload)"
                " VALUES (%s, 'points.earned', %s, '{}') RETURNING id",
                (f"evt_{secrets.token_hex(8)}", self.cast.partner_a.id),
            )
            event_id = (await cur.fetchone())["id"]
            await conn.execute(
                "INSERT INTO webhook_deliveries (outbox_id, endpoint_id, partner_id, status,"
                " next_attempt_at, created_at, updated_at)"
                " SELECT %s, id, partner_id, 'DEAD', now(), now(), now()"
                " FROM webhook_endpoints WHERE id = %s",
                (event_id, int(_db_id(endpoint))),
            )
        return to_global_id("WebhookEvent", event_id)

    async def import_job(self) -> str:
        line = json.dumps(
            {"memberId": self.member, "amount": "1.00", "currency": "EUR", "idempotencyKey": key()}
        )
        response = await upload(self.client, self.cast.partner_a.key, "earns.jsonl", line)
        return str(response.json()["data"]["importTransactions"]["job"]["id"])

    async def draft_batch(self) -> str:
        """A DRAFT settlement batch (any DRAFT there was is discarded first: one at a time)."""
        batches = await self.admin.data(
            "{ settlementBatches(first: 100) { edges { node { id status } } } }"
        )
        for edge in batches["settlementBatches"]["edges"]:
            if edge["node"]["status"] == "DRAFT":
                await self.admin.ok("discardSettlementBatch", {"batchId": edge["node"]["id"]}, "")
        done = await self.admin.ok(
            "runSettlement",
            {"periodEnd": later(seconds=-1), "idempotencyKey": key()},
            "batch { id }",
        )
        return str(done["batch"]["id"])

    async def approved_batch(self) -> str:
        batch = await self.draft_batch()
        await self.admin.ok("approveSettlementBatch", {"batchId": batch}, "")
        return batch

    async def campaign(self, **kind: Any) -> str:
        """A campaign at partner A (a multiplier, unless ``kind`` says otherwise)."""
        code = f"C_{secrets.token_hex(4).upper()}"
        await self.admin.ok(
            "createCampaign",
            {
                "code": code,
                "name": "Double points",
                **(kind or {"kind": "MULTIPLIER", "multiplier": "2"}),
                "startsAt": later(hours=-1),
                "endsAt": later(days=30),
                "partnerCodes": [self.cast.partner_a.code],
                "categories": [],
                "idempotencyKey": key(),
            },
            "",
        )
        return code

    async def segment(self) -> str:
        code = f"S_{secrets.token_hex(4).upper()}"
        await self.admin.ok(
            "createSegment", {"code": code, "name": "Regulars", "memberIds": []}, ""
        )
        return code

    async def member_pool(self, points: int = 0) -> str:
        """A pool the member owns, with ``points`` it put in."""
        me = self.api("member")
        done = await me.ok(
            "createPool", {"name": "Family", "idempotencyKey": key()}, "membership { pool { id } }"
        )
        pool = str(done["membership"]["pool"]["id"])
        if points:
            await me.ok(
                "contributeToPool", {"poolId": pool, "points": points, "idempotencyKey": key()}, ""
            )
        return pool

    async def pool_with_b(self) -> str:
        """The member's pool, with partner B's member in it as a contributor."""
        pool = await self.member_pool()
        await self.api("member").ok(
            "setPoolMember",
            {"poolId": pool, "memberId": member_gid(self.member_b), "role": "CONTRIBUTOR"},
            "",
        )
        return pool

    async def bonus_type(self) -> str:
        """A bonus event type in force now (REVIEW, 10 points)."""
        if "bonus" not in self.made:
            await self.admin.ok(
                "setBonusEventTypes",
                {
                    "eventTypes": [{"code": "REVIEW", "name": "Product review", "points": 10}],
                    "idempotencyKey": key(),
                },
                "",
            )
            self.made["bonus"] = "REVIEW"
        return str(self.made["bonus"])

    async def currency(self) -> str:
        """Partner A's own program currency (AMI: 1 point = 2 A-miles out, 1 mile = 0.5 in)."""
        if "currency" not in self.made:
            await self.a.ok(
                "setConversionRules",
                {
                    "currency": "AMI",
                    "name": "A-miles",
                    "in": {"rate": "0.5"},
                    "out": {"rate": "2"},
                    "idempotencyKey": key(),
                },
                "",
            )
            self.made["currency"] = "AMI"
        return str(self.made["currency"])

    async def quote(self, by: str = "member") -> str:
        """A quote of 10 of the member's points out to A-miles, asked by ``by``."""
        given = {"currency": await self.currency(), "direction": "OUT", "points": 10}
        if by != "member":
            given["memberId"] = self.member
        done = await self.api(by).ok("quoteConversion", given, "quote { id }")
        return str(done["quote"]["id"])

    async def conversion(self) -> str:
        """A conversion out, waiting for partner A's answer."""
        done = await self.api("member").ok(
            "convertPoints",
            {"quoteId": await self.quote(), "idempotencyKey": key()},
            "conversion { id }",
        )
        return str(done["conversion"]["id"])

    async def api_key_of_a(self) -> str:
        done = await self.admin.ok(
            "createApiKey",
            {"role": "PARTNER", "partnerCode": self.cast.partner_a.code, "name": "spare"},
            "key { id }",
        )
        return str(done["key"]["id"])


def _db_id(global_id: str) -> str:
    import base64

    padded = global_id + "=" * (-len(global_id) % 4)
    return base64.urlsafe_b64decode(padded).decode().partition(":")[2]


IMPORT = (
    "mutation($input: ImportTransactionsInput!) { importTransactions(input: $input)"
    " { job { id } userErrors { code } } }"
)


async def upload(
    client: httpx.AsyncClient, credential: str | None, name: str, content: str
) -> httpx.Response:
    operations = {"query": IMPORT, "variables": {"input": {"file": None, "idempotencyKey": key()}}}
    headers = {"Authorization": f"Bearer {credential}"} if credential else {}
    return await client.post(
        "/graphql",
        data={
            "operations": json.dumps(operations),
            "map": json.dumps({"0": ["variables.input.file"]}),
        },
        files={"0": (name, content.encode(), "application/octet-stream")},
        headers=headers,
    )
