"""Partners' webhook endpoints: register, change, disable, rotate the HMAC secret, list.

A partner sees and changes only its own endpoints (``scope``: its id; None for staff). The
URL is checked (targets.py) before the transaction opens, since that may need DNS. An HMAC
endpoint's ``whsec_`` secret is returned once, by ``create`` and ``rotate_secret``, and
stored sealed; after a rotation the previous secret keeps signing for an overlap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from exchange.kit.db import Conn, Pool, transaction
from exchange.kit.errors import InvalidInput
from exchange.kit.secrets_box import SecretBox
from exchange.kit.settings import Settings
from exchange.ledger import idempotency
from partners.webhooks import signing, targets
from partners.webhooks.errors import EndpointNotFound
from partners.webhooks.events import check_event_types
from partners.webhooks.targets import Resolver

PURPOSE = "webhook-endpoint-secret"
SIGNING = ("ED25519", "HMAC_SHA256")
MAX_ENDPOINTS = 20
DEFAULT_OVERLAP = timedelta(hours=24)
MAX_OVERLAP = timedelta(days=7)
LOCK = 0x776865
"""Advisory lock class (b"whe") for one partner's endpoints (the count limit)."""
COLUMNS = (
    "id, partner_id, url, event_types, signing, status, disabled_reason, created_at,"
    " updated_at, previous_secret_expires_at"
)


@dataclass(frozen=True)
class Endpoint:
    id: int
    partner_id: int
    url: str
    event_types: list[str]
    signing: str
    status: str
    disabled_reason: str | None
    created_at: datetime
    updated_at: datetime
    previous_secret_expires_at: datetime | None
    """Until when the secret before the last rotation still signs."""


@dataclass(frozen=True)
class Policy:
    """How URLs are checked: https in production, and whether private targets may be used."""

    production: bool
    allow_private: bool
    resolver: Resolver = targets.system_resolver

    @classmethod
    def of(cls, settings: Settings, resolver: Resolver = targets.system_resolver) -> Policy:
        return cls(
            production=settings.env == "production",
            allow_private=settings.webhook_allow_private_targets,
            resolver=resolver,
        )

    async def check(self, url: str) -> str:
        await targets.check(
            url,
            production=self.production,
            allow_private=self.allow_private,
            resolver=self.resolver,
        )
        return url


@dataclass(frozen=True)
class NewEndpoint:
    url: str
    event_types: list[str]
    signing: str = "ED25519"


def _endpoint(row: dict[str, Any] | None) -> Endpoint:
    if row is None:
        raise EndpointNotFound("no webhook endpoint with this id", field=["id"])
    return Endpoint(**{name: row[name] for name in Endpoint.__dataclass_fields__})


async def get(conn: Conn, endpoint_id: int, *, scope: int | None, lock: str = "") -> Endpoint:
    """The endpoint if the caller may see it (``lock``: "FOR UPDATE" or "FOR SHARE")."""
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM webhook_endpoints"
        " WHERE id = %s AND (%s::bigint IS NULL OR partner_id = %s) " + lock,
        (endpoint_id, scope, scope),
    )
    return _endpoint(await cur.fetchone())


async def list_for(conn: Conn, *, partner_id: int | None) -> list[Endpoint]:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM webhook_endpoints"
        " WHERE %s::bigint IS NULL OR partner_id = %s ORDER BY partner_id, id",
        (partner_id, partner_id),
    )
    return [_endpoint(row) for row in await cur.fetchall()]


async def by_ids(conn: Conn, ids: list[int], *, scope: int | None) -> dict[int, Endpoint]:
    cur = await conn.execute(
        f"SELECT {COLUMNS} FROM webhook_endpoints"
        " WHERE id = ANY(%s) AND (%s::bigint IS NULL OR partner_id = %s)",
        (ids, scope, scope),
    )
    return {row["id"]: _endpoint(row) for row in await cur.fetchall()}


async def _insert(
    conn: Conn, box: SecretBox, partner_id: int, new: NewEndpoint, now: datetime
) -> tuple[Endpoint, str | None]:
    await conn.execute("SELECT pg_advisory_xact_lock(%s, %s)", (LOCK, partner_id))
    cur = await conn.execute(
        "SELECT count(*) AS n FROM webhook_endpoints WHERE partner_id = %s", (partner_id,)
    )
    row = await cur.fetchone()
    if row is not None and row["n"] >= MAX_ENDPOINTS:
        raise InvalidInput(f"a partner has at most {MAX_ENDPOINTS} webhook endpoints")
    secret = signing.new_secret() if new.signing == "HMAC_SHA256" else None
    sealed = None if secret is None else box.seal(secret.encode(), purpose=PURPOSE)
    cur = await conn.execute(
        "INSERT INTO webhook_endpoints (partner_id, url, event_types, signing, secret,"
        f" created_at, updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING {COLUMNS}",
        (partner_id, new.url, new.event_types, new.signing, sealed, now, now),
    )
    return _endpoint(await cur.fetchone()), secret


def _checked(new: NewEndpoint) -> NewEndpoint:
    if new.signing not in SIGNING:
        raise InvalidInput("signing must be ED25519 or HMAC_SHA256", field=["signing"])
    return NewEndpoint(new.url, check_event_types(new.event_types), new.signing)


async def create(
    pool: Pool,
    box: SecretBox,
    policy: Policy,
    *,
    partner_id: int,
    new: NewEndpoint,
    now: datetime,
    caller: str,
    idempotency_key: str | None = None,
) -> tuple[Endpoint, str | None]:
    """A new ACTIVE endpoint and its secret (HMAC only). With an idempotency key, a repeat
    returns the same endpoint, without the secret (it is shown once)."""
    new = _checked(new)
    await policy.check(new.url)
    body = {"partnerId": partner_id, "url": new.url, "eventTypes": new.event_types}
    async with transaction(pool) as conn:
        if idempotency_key is not None:
            done = await idempotency.claim(
                conn,
                caller=caller,
                key=idempotency_key,
                operation="createWebhookEndpoint",
                request={**body, "signing": new.signing},
            )
            if done is not None:
                return await get(conn, done["endpoint_id"], scope=partner_id), None
        endpoint, secret = await _insert(conn, box, partner_id, new, now)
        if idempotency_key is not None:
            await idempotency.store(
                conn, caller=caller, key=idempotency_key, response={"endpoint_id": endpoint.id}
            )
    return endpoint, secret


@dataclass(frozen=True)
class Change:
    url: str | None = None
    event_types: list[str] | None = None
    enabled: bool | None = None


async def update(
    pool: Pool,
    policy: Policy,
    *,
    endpoint_id: int,
    scope: int | None,
    change: Change,
    now: datetime,
) -> Endpoint:
    """A new URL or event types; ``enabled`` turns a disabled endpoint back on (events that
    happened meanwhile are not delivered; its dead letters may be replayed)."""
    event_types = None if change.event_types is None else check_event_types(change.event_types)
    if change.url is not None:
        await policy.check(change.url)
    if change.enabled is False:
        raise InvalidInput("use disableWebhookEndpoint to disable", field=["enabled"])
    async with transaction(pool) as conn:
        await get(conn, endpoint_id, scope=scope, lock="FOR UPDATE")
        cur = await conn.execute(
            "UPDATE webhook_endpoints SET url = coalesce(%s, url),"
            " event_types = coalesce(%s, event_types), updated_at = %s,"
            " status = CASE WHEN %s THEN 'ACTIVE' ELSE status END,"
            " disabled_reason = CASE WHEN %s THEN NULL ELSE disabled_reason END"
            f" WHERE id = %s RETURNING {COLUMNS}",
            (change.url, event_types, now, change.enabled, change.enabled, endpoint_id),
        )
        return _endpoint(await cur.fetchone())


async def disable(
    conn: Conn, *, endpoint_id: int, scope: int | None, reason: str, now: datetime
) -> Endpoint:
    """Stop delivering: its pending deliveries become dead letters (replayable later)."""
    await get(conn, endpoint_id, scope=scope, lock="FOR UPDATE")
    await conn.execute(
        "UPDATE webhook_deliveries SET status = 'DEAD', last_error = %s, updated_at = %s"
        " WHERE endpoint_id = %s AND status = 'PENDING'",
        (f"endpoint disabled: {reason}", now, endpoint_id),
    )
    cur = await conn.execute(
        "UPDATE webhook_endpoints SET status = 'DISABLED', disabled_reason = %s, updated_at = %s"
        f" WHERE id = %s RETURNING {COLUMNS}",
        (reason, now, endpoint_id),
    )
    return _endpoint(await cur.fetchone())


async def rotate_secret(
    conn: Conn,
    box: SecretBox,
    *,
    endpoint_id: int,
    scope: int | None,
    overlap: timedelta,
    now: datetime,
) -> tuple[Endpoint, str]:
    """A new ``whsec_`` secret, returned once; the current one signs too until the overlap
    ends (both signatures in the header), then only the new one."""
    if not timedelta(0) <= overlap <= MAX_OVERLAP:
        raise InvalidInput(
            f"overlapSeconds must be between 0 and {int(MAX_OVERLAP.total_seconds())}",
            field=["overlapSeconds"],
        )
    endpoint = await get(conn, endpoint_id, scope=scope, lock="FOR UPDATE")
    if endpoint.signing != "HMAC_SHA256":
        raise InvalidInput(
            "only HMAC_SHA256 endpoints have a secret; Ed25519 deliveries are signed with the"
            " exchange's keys (GET /.well-known/webhook-keys)",
            field=["id"],
        )
    secret = signing.new_secret()
    cur = await conn.execute(
        "UPDATE webhook_endpoints SET previous_secret = CASE WHEN %s THEN secret END,"
        " previous_secret_expires_at = CASE WHEN %s THEN %s::timestamptz END,"
        f" secret = %s, updated_at = %s WHERE id = %s RETURNING {COLUMNS}",
        (
            overlap > timedelta(0),
            overlap > timedelta(0),
            now + overlap,
            box.seal(secret.encode(), purpose=PURPOSE),
            now,
            endpoint_id,
        ),
    )
    return _endpoint(await cur.fetchone()), secret
