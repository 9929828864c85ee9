"""A coalition with an airline that runs SkyMiles: 1 mile = 0.8 points in, 1 point = 1.25
miles out, 100 to 5,000 points per conversion, 8,000 a day each way. Ana (enrolled by the
grocer, shown to the airline) has 10,000 points of the grocer's. Clients for the admin, the
airline, the grocer and Ana herself (a member token)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from exchange.kit.db import Pool, transaction
from exchange.kit.ids import to_global_id
from exchange.kit.settings import Settings
from exchange.portal import sessions
from exchange.portal.hashing import portal_key
from partners import keys

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "gateway"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ledger"))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "webapp"))
from gateway_support import Api, new_key
from ledger_support import Ledger, audit_failures, base_time
from webapp_support import Program

__all__ = ["Api", "Sky", "base_time", "make_sky", "new_key"]

RULES = """mutation($input: SetConversionRulesInput!) { setConversionRules(input: $input) {
  currency { code name decimals partnerCode rules { version in { rate } out { rate } } }
  rules { version effectiveFrom } userErrors { code field message } } }"""
QUOTE_FIELDS = "quote { id currency direction points amount rate ruleVersion expiresAt }"
CONVERSION_FIELDS = (
    "conversion { id direction status points amount currency rate confirmBy finalizedAt"
    " reference declineReason transaction { id kind points reason partner { code } }"
    " hold { id status points } }"
)
SKY_RULES: dict[str, Any] = {
    "partnerCode": "AIRLINE",
    "currency": "SKY",
    "name": "SkyMiles",
    "in": {"rate": "0.8", "minimumPoints": 100, "maximumPoints": 5000, "dailyLimitPoints": 8000},
    "out": {"rate": "1.25", "minimumPoints": 100, "maximumPoints": 5000, "dailyLimitPoints": 8000},
}


@dataclass
class Sky:
    pool: Pool
    ledger: Ledger
    admin: Api
    airline: Api
    grocer: Api
    ana: Api
    airline_id: int
    grocer_id: int
    ana_id: int

    @property
    def ana_gid(self) -> str:
        return to_global_id("Member", self.ana_id)

    async def quote(self, api: Api, **input: Any) -> dict[str, Any]:
        """A quote that must be given (``input``: of QuoteConversionInput, currency SKY)."""
        payload = await api.ok("quoteConversion", {"currency": "SKY", **input}, QUOTE_FIELDS)
        quote: dict[str, Any] = payload["quote"]
        return quote

    async def convert(self, api: Api, quote_id: str, key: str | None = None) -> dict[str, Any]:
        return await api.mutate(
            "convertPoints",
            {"quoteId": quote_id, "idempotencyKey": key or new_key("convert")},
            f"{CONVERSION_FIELDS} member {{ balance availableBalance heldPoints }}",
        )

    async def answer(self, api: Api, name: str, conversion_id: str, **input: Any) -> dict[str, Any]:
        return await api.mutate(
            name,
            {"conversionId": conversion_id, "idempotencyKey": new_key(name), **input},
            CONVERSION_FIELDS,
        )

    async def rows(self, sql: str, *params: Any) -> list[dict[str, Any]]:
        async with transaction(self.pool) as conn:
            cur = await conn.execute(sql, params)  # type: ignore[arg-type]
            return list(await cur.fetchall())

    async def balance(self) -> dict[str, Any]:
        (row,) = await self.rows(
            "SELECT balance, held, debt FROM member_balances WHERE member_id = %s", self.ana_id
        )
        return row

    async def lots(self) -> list[tuple[int, int | None, int]]:
        """(lot id, issuer, remaining) of Ana's lots."""
        found = await self.rows(
            "SELECT id, issuer_partner_id, remaining FROM lots WHERE member_id = %s ORDER BY id",
            self.ana_id,
        )
        return [(r["id"], r["issuer_partner_id"], r["remaining"]) for r in found]

    async def events(self, event_type: str) -> list[dict[str, Any]]:
        found = await self.rows(
            "SELECT partner_id, payload FROM outbox_events WHERE event_type = %s ORDER BY id",
            event_type,
        )
        return found

    async def audit(self) -> list[Any]:
        async with transaction(self.pool) as conn:
            return await audit_failures(conn)


async def _partner_key(pool: Pool, partner_id: int | None, role: str) -> str:
    async with transaction(pool) as conn:
        issued = await keys.create_key(conn, role=role, partner_id=partner_id, name="t")  # type: ignore[arg-type]
    return issued.secret


async def make_sky(pool: Pool, client: httpx.AsyncClient, settings: Settings) -> Sky:
    program = Program(pool)
    airline = await program.partner("AIRLINE", name="Demo Airline")
    grocer = await program.partner("GROCER", name="Demo Grocer")
    ana = await program.member(grocer, airline, email="ana@example.com")
    await program.ledger.earn(ana, grocer, "10000.00", now=base_time(), order_id="big-basket")
    async with transaction(pool) as conn:
        token, _ = await sessions.open_session(
            conn,
            ana,
            kind="TOKEN",
            key=portal_key(settings),
            lifetime=timedelta(days=1),
            now=datetime.now(UTC),
        )
    sky = Sky(
        pool=pool,
        ledger=program.ledger,
        admin=Api(client, await _partner_key(pool, None, "admin")),
        airline=Api(client, await _partner_key(pool, airline, "partner")),
        grocer=Api(client, await _partner_key(pool, grocer, "partner")),
        ana=Api(client, token),
        airline_id=airline,
        grocer_id=grocer,
        ana_id=ana,
    )
    done = await sky.admin.data(RULES, {"input": {**SKY_RULES, "idempotencyKey": new_key()}})
    assert done["setConversionRules"]["userErrors"] == [], done
    return sky
